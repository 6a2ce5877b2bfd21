import KVShell
import NodeRuntime

/// Builds the evaluator the shell talks to: the interpreter on `node`, whose shell group leader
/// writes to standard output.
/// - Parameters:
///   - node: this node (distributed when kvsh was started with `--sname`/`--name`).
///   - colors: whether results are inspected with iex's colours.
func makeEvaluator(node: LocalNode, colors: Bool) -> InterpreterEvaluator {
    let output = StandardOutput()
    return InterpreterEvaluator(node: node, colors: colors) { bytes in
        output.write(String(decoding: bytes, as: UTF8.self))
    }
}
