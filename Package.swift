// swift-tools-version: 6.0
import PackageDescription

/// Layers point one way: kvsh → {KVShell → Interpreter → {ElixirSyntax, KV → NodeRuntime}, KVServer → KV, Distribution → {NodeRuntime, EPMD}} → ETF.
/// The node core (NodeRuntime) declares what it needs of distribution; Distribution implements it
/// with the real wire protocol, and the kvsh executable plugs one into the other.
let package = Package(
    name: "kvsh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kvsh", targets: ["kvsh"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "ETF",
            dependencies: [.product(name: "BigInt", package: "BigInt"), "CZlib"]
        ),
        // zlib inflates compressed terms (tag 80) and deflates `term_to_binary(T, [compressed])`.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "ElixirSyntax", dependencies: ["ETF"]),
        .target(
            name: "NodeRuntime",
            dependencies: [
                "ETF",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // The guide's store: buckets, the registry, the router and its table, the text protocol.
        .target(name: "KV", dependencies: ["ETF", "NodeRuntime"]),
        .target(name: "Interpreter", dependencies: ["ElixirSyntax", "NodeRuntime", "KV"]),
        // The port mapper: wire format, client and an EPMD-compatible daemon.
        .target(
            name: "EPMD",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        // Erlang distribution: handshake, control messages, connections (net_kernel's job).
        .target(
            name: "Distribution",
            dependencies: [
                "ETF", "NodeRuntime", "EPMD",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "KVShell", dependencies: ["Interpreter", "KV", "CEditLine"]),
        // The guide's KVServer: the text protocol over TCP, each command routed as KV.Router routes it.
        .target(
            name: "KVServer",
            dependencies: [
                "KV", "NodeRuntime", "ETF",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "kvsh",
            dependencies: [
                "KVShell", "KVServer", "Distribution", "EPMD", "NodeRuntime", "ETF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "RuntimeBench",
            dependencies: ["NodeRuntime"],
            path: "Benchmarks/RuntimeBench"
        ),
        .executableTarget(
            name: "DistBench",
            dependencies: ["Distribution", "NodeRuntime", "EPMD", "ETF"],
            path: "Benchmarks/DistBench"
        ),
        .executableTarget(
            name: "CallBench",
            dependencies: ["Interpreter", "KV", "Distribution", "NodeRuntime", "EPMD", "ETF"],
            path: "Benchmarks/CallBench"
        ),
        // The KVServer load generator: plain sockets and epoll, one thread, no runtime of ours.
        .executableTarget(
            name: "LoadGen",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/LoadGen"
        ),
        .testTarget(
            name: "ETFTests",
            dependencies: ["ETF"],
            resources: [.copy("Fixtures"), .copy("InspectFixtures")]
        ),
        .testTarget(name: "ElixirSyntaxTests", dependencies: ["ElixirSyntax"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NodeRuntimeTests", dependencies: ["NodeRuntime"]),
        .testTarget(name: "KVTests", dependencies: ["KV"]),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "KV"]),
        .testTarget(name: "KVShellTests", dependencies: ["KVShell", "KV"]),
        .testTarget(
            name: "KVServerTests",
            dependencies: ["KVServer", "KV", "NodeRuntime", "ETF", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        // Real kvsh nodes as child processes, with a port mapper on a private port.
        .testTarget(name: "ClusterTests"),
        .testTarget(
            name: "EPMDTests",
            dependencies: ["EPMD", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "DistributionTests",
            dependencies: ["Distribution", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
