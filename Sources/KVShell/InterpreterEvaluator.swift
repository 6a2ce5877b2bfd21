import ETF
import Interpreter
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
    public init(node: LocalNode, colors: Bool, write: @escaping @Sendable ([UInt8]) -> Void) {
        let interpreter = Interpreter(node: node)
        shell = Shell(interpreter: interpreter, output: write)
        // Remote pids print as `#PID<N.x.y>`, N the node's number in this node's table.
        options = interpreter.nodeTable.inspectOptions(.iex(colors: colors))
    }

    public func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome {
        switch await shell.evaluate(quoted, line: line) {
        case .value(let value): .value(value == IExHelpers.dontDisplayResult ? "" : value.inspectAsIExResult(options))
        // iex ends an error without a stacktrace line with an empty line.
        case .error(let text): .error(text.contains("\n    ") ? text : text + "\n")
        case .restarted(let text): .shellRestarted(text + "\n")
        }
    }

    public func interrupt() async { await shell.interrupt() }
}
