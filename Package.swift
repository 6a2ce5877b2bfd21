// swift-tools-version: 6.0
import PackageDescription

/// Layers point one way: kvsh → KVShell → Interpreter → {ElixirSyntax, NodeRuntime} → ETF.
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
        .target(name: "Interpreter", dependencies: ["ElixirSyntax", "NodeRuntime"]),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "KVShell", dependencies: ["Interpreter", "CEditLine"]),
        .executableTarget(
            name: "kvsh",
            dependencies: ["KVShell", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "RuntimeBench",
            dependencies: ["NodeRuntime"],
            path: "Benchmarks/RuntimeBench"
        ),
        .testTarget(
            name: "ETFTests",
            dependencies: ["ETF"],
            resources: [.copy("Fixtures"), .copy("InspectFixtures")]
        ),
        .testTarget(name: "ElixirSyntaxTests", dependencies: ["ElixirSyntax"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NodeRuntimeTests", dependencies: ["NodeRuntime"]),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter"]),
        .testTarget(name: "KVShellTests", dependencies: ["KVShell"]),
    ],
    swiftLanguageModes: [.v6]
)
