import ETF
import Interpreter
import NodeRuntime

/// The interpreter behind the prompt: a `Shell` (shell process, bindings) on a node, with results
/// printed as iex prints them.
public struct InterpreterEvaluator: ShellEvaluator {
    public let shell: Shell
    private let options: InspectOptions

    /// - Parameters:
    ///   - nodeName: `foo@vm`, or nil for `:nonode@nohost`.
    ///   - colors: iex's syntax colours (a terminal).
    ///   - write: where output of the shell's group leader goes.
    public init(nodeName: String?, colors: Bool, write: @escaping @Sendable ([UInt8]) -> Void) {
        // A named node that is not connected yet still has a non-zero creation, as a BEAM started with -sname.
        let node = nodeName.map { LocalNode(name: Atom($0), creation: 1) } ?? LocalNode()
        shell = Shell(interpreter: Interpreter(node: node), output: write)
        options = .iex(colors: colors)
    }

    public func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome {
        switch await shell.evaluate(quoted, line: line) {
        case .value(let value): .value(value.inspectAsIExResult(options))
        // iex ends an error without a stacktrace line with an empty line.
        case .error(let text): .error(text.contains("\n    ") ? text : text + "\n")
        case .restarted(let text): .shellRestarted(text + "\n")
        }
    }

    public func interrupt() async { await shell.interrupt() }
}
