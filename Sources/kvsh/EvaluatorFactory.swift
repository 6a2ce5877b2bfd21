import KVShell

/// Builds the evaluator the shell talks to: the interpreter on a node named `nodeName`, whose
/// shell group leader writes to standard output.
/// - Parameters:
///   - nodeName: `foo@vm` for `--sname foo`, `nil` for a non-distributed node (`:nonode@nohost`).
///   - cookie: the `--cookie` value; used once nodes connect (distribution is the next step).
///   - colors: whether results are inspected with iex's colours.
func makeEvaluator(nodeName: String?, cookie: String?, colors: Bool) -> any ShellEvaluator {
    let output = StandardOutput()
    return InterpreterEvaluator(nodeName: nodeName, colors: colors) { bytes in
        output.write(String(decoding: bytes, as: UTF8.self))
    }
}
