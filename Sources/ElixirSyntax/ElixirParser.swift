import ETF

/// What the shell needs to know about a chunk of input.
public enum ParseResult: Sendable {
    /// The text parsed; the term is what `Code.string_to_quoted!/1` returns for it.
    case complete(Term)
    /// The text stops inside an unfinished construct (Elixir's `TokenMissingError`): read more.
    case incomplete
}

/// Elixir source text → Elixir 1.14's quoted form.
public enum ElixirParser {
    /// Parses `source` as `Code.string_to_quoted/2` does with default options.
    /// - Parameters:
    ///   - file: the file name errors report (`iex` in the shell).
    ///   - line: the line number of the first line.
    /// - Returns: `.complete` with the quoted form, or `.incomplete` when more input could finish it.
    /// - Throws: `SyntaxError` with Elixir's message and position for anything else.
    public static func parse(_ source: String, file: String = "iex", line: Int = 1) throws(SyntaxError) -> ParseResult {
        do {
            return .complete(try quoted(source, file: file, line: line))
        } catch {
            if error.kind == .tokenMissing { return .incomplete }
            throw error
        }
    }

    /// Like `parse`, but an unfinished input is thrown as a `.tokenMissing` error, as
    /// `Code.string_to_quoted!/1` raises `TokenMissingError`.
    public static func quoted(_ source: String, file: String = "iex", line: Int = 1) throws(SyntaxError) -> Term {
        let context = ErrorContext(file: file, bytes: Array(source.utf8), firstLine: line)
        let tokens = try Lexer.tokenize(context)
        var parser = Parser(tokens: tokens, context: context)
        return try parser.parseProgram()
    }
}
