import ETF
import KV

/// The interpreter, as the shell sees it: it owns bindings, modules and the shell process;
/// the shell owns reading, prompts and printing.
///
/// The interpreter implements this protocol; `kvsh` obtains one from `makeEvaluator(...)`.
public protocol ShellEvaluator: Sendable {
    /// Evaluates one complete input (already parsed to quoted form); returns what iex prints for it.
    /// - Parameters:
    ///   - quoted: the quoted form `ElixirParser.parse` returned for `source`.
    ///   - source: the text typed, every line ending in `\n` (for error excerpts).
    ///   - line: the line number of `source`'s first line, which is the prompt counter, as in iex
    ///     (`** (CompileError) iex:3: ...`).
    func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome

    /// Runs a bucket command typed at the prompt (`PUT shopping milk 1`) through the router, as
    /// the text server runs it; `nil` for a line that starts like a command but is not one.
    /// - Returns: the server's answer as lines without their `\r\n` (`"1\nOK"` for a GET).
    func run(_ command: Command?) async -> EvaluationOutcome

    /// Interrupts the evaluation in progress (Ctrl-C while an expression runs).
    /// `evaluate` should then return soon, typically with an `.error`.
    func interrupt() async
}

/// What one evaluation prints. The shell writes the text followed by one newline, so each
/// case carries exactly what iex prints before its next prompt, minus the final newline.
public enum EvaluationOutcome: Sendable, Equatable {
    /// The inspected result, already formatted (colours and width included): `"3"`, `"%{a: 1}"`.
    /// The prompt counter advances. Empty for a result iex does not show (what `h` returns):
    /// nothing is printed, no inspected term being empty.
    case value(String)
    /// An error, as iex prints it: `"** (Kind) message"` followed by the stacktrace lines.
    /// iex ends the text with an empty line when there is no stacktrace, so a bare error is
    /// `"** (RuntimeError) x\n"` (printed as the error, a blank line, then the prompt).
    /// The prompt counter does not advance.
    case error(String)
    /// The shell process died: `"** (EXIT from #PID<0.114.0>) shell process exited with reason: ..."`
    /// (with its trailing empty line, as for `.error`). The counter goes back to 1, as iex does.
    case shellRestarted(String)
}
