import ArgumentParser
import Foundation
import KVServer
import KVShell
import NodeRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `kvsh`: an iex-like shell on a Swift runtime.
@main
struct Kvsh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvsh",
        abstract: "An Elixir iex shell on a Swift runtime.",
        version: "0.1.0",
        subcommands: [PortMapperCommand.self]
    )

    @Option(help: ArgumentHelp("Start a distributed node with a short name: NAME@<short host>.", valueName: "name"))
    var sname: String?

    @Option(help: ArgumentHelp("Start a distributed node with a long name.", valueName: "name@host"))
    var name: String?

    @Option(help: "The magic cookie this node uses to connect to others.")
    var cookie: String?

    @Option(help: ArgumentHelp("net_ticktime: a connected node silent this long is dropped.", valueName: "seconds"))
    var ticktime = 60

    @Option(help: ArgumentHelp(
        "The KV routing table, an Elixir term such as [{?a..?m, :\"foo@vm\"}, {?n..?z, :\"bar@vm\"}] (also: KV_ROUTING_TABLE holding the term). Default: every bucket on this node.",
        valueName: "file"))
    var routingTable: String?

    @Option(help: ArgumentHelp(
        "Serve the KV text protocol on this TCP port (also: PORT). Debug logging of connections: KVSH_LOG=debug.",
        valueName: "port"))
    var port: Int?

    @Flag(help: "Run the node as a service: no prompt, logs on stderr, until SIGTERM or SIGINT.")
    var noShell = false

    @Flag(help: "Print each input line after its prompt, so piped input reads like a transcript.")
    var echo = false

    @Flag(help: "Do not load or save ~/.kvsh_history (also: KVSH_HISTORY=0).")
    var noHistory = false

    @Flag(help: "Print results without colours, even on a terminal.")
    var noColor = false

    /// `kvsh epmd ...` goes straight to the port mapper: its `--port` is its own, not the text
    /// server's `--port`, which the parser would otherwise give the root command.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == PortMapperCommand.configuration.commandName {
            await PortMapperCommand.main(Array(arguments.dropFirst()))
        } else {
            await main(arguments)
        }
    }

    /// The node name from `--sname`/`--name`, set by `validate()`.
    private var nodeName: String?

    private enum CodingKeys: String, CodingKey {
        case sname, name, cookie, ticktime, routingTable, port, noShell, echo, noHistory, noColor
    }

    mutating func validate() throws {
        if ticktime < 1 { throw ValidationError("--ticktime must be at least 1 second") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if sname != nil && name != nil {
            throw ValidationError("--sname and --name cannot be used together")
        }
        do {
            if let sname { nodeName = try NodeName.short(sname) }
            if let name { nodeName = try NodeName.long(name) }
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let interactive = isatty(0) == 1 && isatty(1) == 1
        let output = StandardOutput()
        let node: LocalNode
        do {
            node = try await NodeStartup.start(nodeName: nodeName, cookie: cookie, tickTime: ticktime)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
        let evaluator = makeEvaluator(node: node, colors: interactive && !noColor)
        let server: KVServer?
        do {
            try await configureRoutingTable(evaluator)
            server = try await startServer(evaluator)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
        if noShell {
            await ServiceMode.waitForTermination()
            await server?.stop()
            return
        }
        let interrupts = SignalInterrupts()
        let prompt = Prompt(nodeName: nodeName)
        if interactive {
            let historyOff = noHistory || getenv("KVSH_HISTORY").map { String(cString: $0) == "0" } == true
            let reader = EditLineReader(historyFile: historyOff ? nil : EditLineReader.defaultHistoryFile)
            var session = Session(
                reader: reader, output: output, evaluator: evaluator, prompt: prompt, echo: echo,
                interrupts: interrupts)
            await session.run()
        } else {
            var session = Session(
                reader: PipedLineReader(output: output), output: output, evaluator: evaluator,
                prompt: prompt, echo: echo, interrupts: interrupts)
            await session.run()
        }
    }

    /// Starts the text server when a port is given (`--port`, `PORT`).
    private func startServer(_ evaluator: InterpreterEvaluator) async throws(NodeStartup.Failure) -> KVServer? {
        guard let port = try ServiceMode.port(option: port) else { return nil }
        guard let application = evaluator.shell.interpreter.kv else {
            throw NodeStartup.Failure(description: "kvsh: the KV application is not running, so there is nothing to serve")
        }
        let server = try await ServiceMode.startServer(application, port: port)
        if noShell { ServiceMode.logLine("[info] KVServer: accepting connections on port \(server.port)") }
        return server
    }

    /// Sets the routing table from `--routing-table FILE`, else from `KV_ROUTING_TABLE`; a table
    /// that cannot be read, evaluated or used stops kvsh here rather than failing a later route.
    private func configureRoutingTable(_ evaluator: InterpreterEvaluator) async throws(NodeStartup.Failure) {
        let source: String
        let origin: String
        if let routingTable {
            guard let text = try? String(contentsOfFile: routingTable, encoding: .utf8) else {
                throw NodeStartup.Failure(description: "kvsh: cannot read the routing table file \(routingTable)")
            }
            (source, origin) = (text, routingTable)
        } else if let text = ProcessInfo.processInfo.environment["KV_ROUTING_TABLE"] {
            (source, origin) = (text, "KV_ROUTING_TABLE")
        } else {
            return
        }
        do {
            try await evaluator.setRoutingTable(source: source)
        } catch {
            throw NodeStartup.Failure(description: "kvsh: routing table from \(origin): \(error.description)")
        }
    }
}
