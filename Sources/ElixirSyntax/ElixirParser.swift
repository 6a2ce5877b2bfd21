import ETF
import Foundation

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
        let outcome = onLargeStack { () -> Result<Term, SyntaxError> in
            do throws(SyntaxError) {
                let tokens = try Lexer.tokenize(context)
                let parser = Parser(tokens: tokens, context: context)
                return .success(try parser.parseProgram())
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Stack for one parse. The parser recurses once per nesting level (capped at
    /// `Parser.maxDepth`); debug builds use several kilobytes per level, more than the
    /// 512 KiB a secondary thread may have, so the work runs on a thread of its own.
    static let stackSize = 256 << 20

    private static func onLargeStack<T: Sendable>(_ work: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = work()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return box.value!
    }
}

/// Carries the parse thread's result back. Written once by that thread before it signals the
/// semaphore and read by the caller only after waiting on it, so the accesses never overlap.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
