/// One answer from a `LineReader`.
public enum LineInput: Sendable, Equatable {
    /// A line, without its newline; raw bytes, since piped input may not be UTF-8.
    case line([UInt8])
    /// Ctrl-C while the line was being typed: drop the line and any pending expression.
    case interrupted
    /// End of input (Ctrl-D on an empty line, or the end of piped stdin).
    case endOfInput
}

/// Where the shell's input comes from: a line editor on a terminal, plain `read(2)` otherwise.
public protocol LineReader {
    /// Shows `prompt` and reads one line.
    mutating func readLine(prompt: String) async -> LineInput

    /// Records one complete input (several lines for a multi-line expression, joined by
    /// newlines) as a single history entry.
    mutating func recordHistory(_ entry: String)
}

extension LineReader {
    public mutating func recordHistory(_ entry: String) {}
}

/// Where the shell's output goes.
public protocol ShellOutput: AnyObject {
    func write(_ text: String)
}
