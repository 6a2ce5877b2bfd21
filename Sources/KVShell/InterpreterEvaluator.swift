import ElixirSyntax
import ETF
import Interpreter
import KV
import NodeRuntime

/// The interpreter behind the prompt: a `Shell` (shell process, bindings) on a node, with results
/// printed as iex prints them.
public struct InterpreterEvaluator: ShellEvaluator {
    public let shell: Shell
    private let options: InspectOptions

    /// - Parameters:
    ///   - node: this node: distributed (`foo@vm`, its creation from the port mapper) or `:nonode@nohost`.
    ///   - colors: iex's syntax colours (a terminal).
    ///   - write: where output of the shell's group leader goes.
    /// Also starts the node's `:kv` application (`KV.Registry`, `KV.RouterTasks`), with every
    /// bucket on this node until `setRoutingTable` says otherwise.
    public init(node: LocalNode, colors: Bool, write: @escaping @Sendable ([UInt8]) -> Void) {
        let interpreter = Interpreter(node: node, kv: try? KVApplication.start(on: node))
        shell = Shell(interpreter: interpreter, output: write)
        // Remote pids print as `#PID<N.x.y>`, N the node's number in this node's table.
        options = interpreter.nodeTable.inspectOptions(.iex(colors: colors))
    }

    public func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome {
        outcome(await shell.evaluate(quoted, line: line)) { value in
            value == IExHelpers.dontDisplayResult ? "" : value.inspectAsIExResult(options)
        }
    }

    public func run(_ command: Command?) async -> EvaluationOutcome {
        guard let command else { return .value(Self.lines(KVApplication.CommandReply.unknownCommand.bytes)) }
        let reply = await shell.run { context in .binary(try await context.interpreter.run(command, in: context).bytes) }
        return outcome(reply) { value in
            guard case .binary(let bytes) = value else { return value.inspect() }
            return Self.lines(bytes)
        }
    }

    /// What the shell prints for an evaluation's outcome, the value shown by `show`.
    private func outcome(_ result: Shell.Outcome, show: (Term) -> String) -> EvaluationOutcome {
        switch result {
        case .value(let value): .value(show(value))
        // iex ends an error without a stacktrace line with an empty line.
        case .error(let text): .error(text.contains("\n    ") ? text : text + "\n")
        case .restarted(let text): .shellRestarted(text + "\n")
        }
    }

    /// The server's reply as it reads at a terminal: its lines without `\r`, the last newline left to the shell.
    private static func lines(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacing("\r\n", with: "\n").dropLast().description
    }

    /// The routing table from Elixir source (`[{?a..?m, :"foo@vm"}, {?n..?z, :"bar@vm"}]`), from
    /// `--routing-table FILE` or `KV_ROUTING_TABLE`: evaluated, then checked as
    /// `Application.put_env(:kv, :routing_table, ...)` checks it.
    /// - Throws: a message saying what is wrong (a syntax error, an evaluation error, a bad table).
    public func setRoutingTable(source: String) async throws(RoutingTableSourceError) {
        let quoted: Term
        do {
            guard case .complete(let term) = try ElixirParser.parse(source, file: "routing table") else {
                throw RoutingTableSourceError(message: "the table is incomplete (missing a closing bracket?)")
            }
            quoted = term
        } catch let error as RoutingTableSourceError {
            throw error
        } catch let error as SyntaxError {
            throw RoutingTableSourceError(message: error.iexDescription)
        } catch {
            throw RoutingTableSourceError(message: "\(error)")
        }
        switch await shell.evaluate(quoted) {
        case .value(let table):
            guard let kv = shell.interpreter.kv else { throw RoutingTableSourceError(message: "the :kv application is not running") }
            do {
                kv.routingTable = try RoutingTable(table)
            } catch {
                throw RoutingTableSourceError(message: error.description)
            }
        case .error(let text), .restarted(let text):
            throw RoutingTableSourceError(message: text)
        }
    }

    public func interrupt() async { await shell.interrupt() }
}

/// A routing table given at start-up that cannot be used.
public struct RoutingTableSourceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
