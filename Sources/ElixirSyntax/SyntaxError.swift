/// A parse failure as Elixir 1.14 reports it: `SyntaxError`, or `TokenMissingError` when the text
/// ends before a construct is closed (the case the shell answers with a continuation prompt).
public struct SyntaxError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Elixir's `SyntaxError`.
        case syntax
        /// Elixir's `TokenMissingError`: the input stopped inside an unfinished construct.
        case tokenMissing
    }

    public var file: String
    public var line: Int
    /// 1-based, in characters; 0 when Elixir reports no column (ambiguous-comma errors).
    public var column: Int
    /// The description, exactly as Elixir words it (`unexpected token: )`).
    public var message: String
    public var kind: Kind
    /// The source line the error points into, shown under the message with a caret; nil when
    /// Elixir shows no excerpt (errors about reserved words).
    public var sourceLine: String?

    public init(file: String, line: Int, column: Int, message: String, kind: Kind = .syntax, sourceLine: String?) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.kind = kind
        self.sourceLine = sourceLine
    }
}

extension SyntaxError {
    /// The exception's name as iex prints it.
    public var exceptionName: String {
        switch kind {
        case .syntax: "SyntaxError"
        case .tokenMissing: "TokenMissingError"
        }
    }

    /// The text iex 1.14 prints for this error, without the trailing blank line:
    /// ```
    /// ** (SyntaxError) iex:1:1: unexpected token: )
    ///     |
    ///   1 | )
    ///     | ^
    /// ```
    public var iexDescription: String {
        let position = column > 0 ? "\(line):\(column)" : "\(line)"
        var text = "** (\(exceptionName)) \(file):\(position): \(message)"
        guard let sourceLine else { return text }
        let number = String(line)
        let padded = String(repeating: " ", count: max(0, 3 - number.count)) + number
        let gutter = String(repeating: " ", count: padded.count + 1) + "|"
        text += "\n" + gutter
        text += "\n" + padded + " | " + sourceLine
        text += "\n" + gutter + " " + String(repeating: " ", count: max(0, column - 1)) + "^"
        return text
    }
}

/// Where errors are raised: knows the file name and the source, to fill in excerpts.
struct ErrorContext: Sendable {
    let file: String
    let bytes: [UInt8]
    let firstLine: Int

    func error(
        _ message: String, line: Int, column: Int, kind: SyntaxError.Kind = .syntax, excerpt: Bool = true
    ) -> SyntaxError {
        SyntaxError(
            file: file, line: line, column: column, message: message, kind: kind,
            sourceLine: excerpt ? sourceLine(line) : nil)
    }

    /// The text of source line `line` (numbered from `firstLine`).
    func sourceLine(_ line: Int) -> String {
        var current = firstLine
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                if current == line { break }
                current += 1
                start = index + 1
            }
            index += 1
        }
        if current != line { return "" }
        var end = index
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
