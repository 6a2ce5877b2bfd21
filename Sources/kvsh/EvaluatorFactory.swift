import ETF
import KVShell

// MARK: - Interpreter hook (to be replaced by the interpreter owner)

/// Builds the evaluator the shell talks to.
///
/// TEMPORARY: the interpreter is not wired in yet. Replace the body with the interpreter's
/// `ShellEvaluator` (and delete `UnwiredEvaluator`); nothing else in `kvsh` needs to change.
/// - Parameters:
///   - nodeName: `foo@vm` for `--sname foo`, `nil` for a non-distributed node (`:nonode@nohost`).
///   - cookie: the `--cookie` value, if any.
///   - colors: whether results should be inspected with iex's colours.
func makeEvaluator(nodeName: String?, cookie: String?, colors: Bool) -> any ShellEvaluator {
    UnwiredEvaluator()
}

/// TEMPORARY placeholder until the interpreter implements `ShellEvaluator`: every input
/// answers with an error, so the shell itself (prompts, history, counter) can be used.
struct UnwiredEvaluator: ShellEvaluator {
    func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome {
        .error("** (RuntimeError) the evaluator is not wired in yet\n")
    }

    func interrupt() async {}
}
