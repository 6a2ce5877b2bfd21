import Foundation

/// The guide's KV application in Elixir (reference/kv), the BEAM side of the interop tests:
/// compiled offline with `elixirc` (no mix, no downloads) into `.build/kv-reference`, afresh once
/// per test run (nothing left behind in the temporary directory), and started in an iex node as
/// a user would in the README's terminal 1.
enum ReferenceKV {
    static let sources = Build.root.appendingPathComponent("reference/kv")

    /// The directory holding the compiled `.beam` files; every test awaits the same compilation.
    static let compiled = Task { try await compile() }

    enum Failure: Error, CustomStringConvertible {
        case compilation(status: Int32, output: String)

        var description: String {
            switch self {
            case .compilation(let status, let output): "elixirc reference/kv/*.ex exited with \(status): \(output)"
            }
        }
    }

    private static func compile() async throws -> URL {
        let directory = Build.root.appendingPathComponent(".build/kv-reference")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".ex") }.sorted()
        let elixirc = Process()
        elixirc.executableURL = URL(fileURLWithPath: ElixirNode.path ?? "elixir").deletingLastPathComponent().appendingPathComponent("elixirc")
        elixirc.arguments = files.map { sources.appendingPathComponent($0).path }
        elixirc.currentDirectoryURL = directory
        let output = Pipe()
        elixirc.standardOutput = output
        elixirc.standardError = output
        let text = output.collect()
        try elixirc.run()
        let status = try await elixirc.exit()
        guard status == 0 else { throw Failure.compilation(status: status, output: text.text.withLock { $0 }) }
        return directory
    }

    /// Starts `iex --sname NAME -pa DIR` with `PORT` and `KV_ROUTING_TABLE` set, then the KV
    /// application in it (`KVReference.start/0` blocks, so it gets a process of its own), and
    /// waits until its text server listens. Returns the node at its next prompt.
    static func startIEx(_ name: String, mapper: PortMapperProcess, cookie: String, port: Int, routingTable: String? = nil) async throws -> IExNode {
        var environment = ["PORT": String(port)]
        environment["KV_ROUTING_TABLE"] = routingTable
        let node = try await IExNode(name, mapper: mapper, cookie: cookie, codePath: try await compiled.value, environment: environment)
        try await node.enter("spawn(fn -> KVReference.start() end)")
        try await node.waitForOutput("ready")
        return node
    }
}
