import ETF

/// Strings, charlists, quoted atoms, heredocs and sigils: escapes, `#{}` interpolation, indentation.
extension Lexer {
    enum QuoteMode {
        /// Strings, charlists, atoms: escapes processed, interpolation allowed.
        case escaped
        /// Lowercase sigils: interpolation, escapes kept as written (but `\` + terminator).
        case rawInterpolating
        /// Uppercase sigils: no interpolation, escapes kept as written.
        case raw
    }

    func lexString() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        literalStart = (startLine, startColumn)
        let quote = peek()
        let isHeredoc = peek(1) == quote && peek(2) == quote
        let segments: [Segment]
        if isHeredoc {
            advance(3)
            segments = try lexHeredocBody(quote: quote, mode: .escaped, startLine: startLine, startColumn: startColumn)
        } else {
            advance()
            segments = try lexQuotedBody(
                terminator: quote, mode: .escaped, startLine: startLine, kindName: "string")
            if peek() == UInt8(ascii: ":") && pos + 1 < bytes.count && isBlankOrEnd(peek(1)) {
                advance()
                if segments.count <= 1, case .text(let text)? = segments.first ?? .text([]) {
                    let name = String(decoding: text, as: UTF8.self)
                    emit(.keyword(try intern(name, line: startLine, column: startColumn)), line: startLine,
                         column: startColumn, text: name + ":")
                } else {
                    emit(.quotedKeyword(segments), line: startLine, column: startColumn)
                }
                return
            }
        }
        if quote == UInt8(ascii: "'") {
            emit(.charlist(segments), line: startLine, column: startColumn)
        } else if isHeredoc {
            emit(.heredoc(segments), line: startLine, column: startColumn)
        } else {
            emit(.string(segments), line: startLine, column: startColumn)
        }
    }

    func lexSigil() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        literalStart = (startLine, startColumn)
        advance()
        let letter = bytes[pos]
        advance()
        let name = "sigil_" + String(Character(Unicode.Scalar(letter)))
        let mode: QuoteMode = letter >= UInt8(ascii: "a") ? .rawInterpolating : .raw
        let open = peek()
        let segments: [Segment]
        let delimiter: String
        var indentation: Int?
        if (open == UInt8(ascii: "\"") || open == UInt8(ascii: "'")) && peek(1) == open && peek(2) == open {
            advance(3)
            delimiter = String(repeating: String(Character(Unicode.Scalar(open))), count: 3)
            segments = try lexHeredocBody(quote: open, mode: mode, startLine: startLine, startColumn: startColumn)
            indentation = lastHeredocIndent
        } else {
            let close: UInt8
            switch open {
            case UInt8(ascii: "("): close = UInt8(ascii: ")")
            case UInt8(ascii: "["): close = UInt8(ascii: "]")
            case UInt8(ascii: "{"): close = UInt8(ascii: "}")
            case UInt8(ascii: "<"): close = UInt8(ascii: ">")
            case UInt8(ascii: "/"), UInt8(ascii: "|"), UInt8(ascii: "\""), UInt8(ascii: "'"): close = open
            default:
                throw context.error(
                    "invalid sigil delimiter: \"\(String(Character(currentScalar())))\" (column \(column), "
                        + "code point U+\(Lexer.hex4(currentScalar().value))). The available "
                        + "delimiters are: //, ||, \"\", '', (), [], {}, <>",
                    line: startLine, column: startColumn)
            }
            delimiter = String(Character(Unicode.Scalar(open)))
            advance()
            segments = try lexQuotedBody(
                terminator: close, mode: mode, startLine: startLine,
                kindName: "sigil ~\(String(Character(Unicode.Scalar(letter))))\(delimiter)")
        }
        var modifiers: [UInt8] = []
        while pos < bytes.count && isLetter(bytes[pos]) {
            modifiers.append(bytes[pos])
            advance()
        }
        emit(.sigil(name: name, parts: segments, modifiers: modifiers, delimiter: delimiter, indentation: indentation),
             line: startLine, column: startColumn)
    }

    /// Reads up to `terminator`, handling escapes and `#{}` according to `mode`.
    func lexQuotedBody(
        terminator: UInt8, mode: QuoteMode, startLine: Int, kindName: String
    ) throws(SyntaxError) -> [Segment] {
        var segments: [Segment] = []
        var text: [UInt8] = []
        // A bad escape is reported only once the literal is known to end: an unterminated
        // literal is incomplete input first, as in Elixir.
        var pending: SyntaxError?
        while true {
            guard pos < bytes.count else {
                let shown = String(Character(Unicode.Scalar(terminator)))
                throw context.error(
                    "missing terminator: \(shown) (for \(kindName) starting at line \(startLine))",
                    line: line, column: column, kind: .tokenMissing)
            }
            let byte = bytes[pos]
            if byte == terminator {
                advance()
                break
            }
            do {
                try lexQuotedByte(&text, &segments, mode: mode, terminator: terminator)
            } catch {
                if error.kind == .tokenMissing { throw error }
                if pending == nil { pending = error }
            }
        }
        if let pending { throw pending }
        if !text.isEmpty || segments.isEmpty { segments.append(.text(text)) }
        return segments
    }

    /// Handles one escape, interpolation or plain byte; the terminator has already been checked.
    func lexQuotedByte(
        _ text: inout [UInt8], _ segments: inout [Segment], mode: QuoteMode, terminator: UInt8
    ) throws(SyntaxError) {
        let byte = bytes[pos]
        if byte == UInt8(ascii: "\\") && pos + 1 < bytes.count {
            switch mode {
            case .escaped:
                advance()
                if bytes[pos] == UInt8(ascii: "\n") {
                    advance()
                    return
                }
                let value = try readEscape()
                appendScalar(value, to: &text, rawByte: lastEscapeWasByte)
            case .raw, .rawInterpolating:
                if bytes[pos + 1] == terminator {
                    advance()
                    text.append(bytes[pos])
                    advance()
                } else {
                    text.append(byte)
                    advance()
                    text.append(bytes[pos])
                    advance()
                }
            }
            return
        }
        if byte == UInt8(ascii: "#") && peek(1) == UInt8(ascii: "{") && mode != .raw {
            let interpolationLine = line
            let interpolationColumn = column
            advance(2)
            if !text.isEmpty {
                segments.append(.text(text))
                text = []
            }
            guard depth + openers.count < Lexer.maxDepth else {
                throw context.error(
                    "too many nested expressions (more than \(Lexer.maxDepth) levels)",
                    line: interpolationLine, column: interpolationColumn)
            }
            let inner = Lexer(parent: self)
            let innerTokens: [Token]
            do {
                innerTokens = try inner.run(interpolation: true)
            } catch {
                if error.kind == .tokenMissing, error.message.hasPrefix("missing interpolation terminator") {
                    throw context.error(
                        error.message + " (for string starting at line \(interpolationLine))",
                        line: interpolationLine, column: interpolationColumn, kind: .tokenMissing)
                }
                throw error
            }
            pos = inner.pos
            line = inner.line
            column = inner.column
            segments.append(.interpolation(innerTokens, line: interpolationLine))
            return
        }
        text.append(byte)
        advance()
        return
    }


    func appendScalar(_ value: UInt32, to text: inout [UInt8], rawByte: Bool) {
        if rawByte {
            text.append(UInt8(truncatingIfNeeded: value))
        } else if let scalar = Unicode.Scalar(value) {
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
    }

    /// `?\\n` and friends: only one-character escapes; `?\\x` is just `x`.
    static func simpleEscape(_ scalar: Unicode.Scalar) -> UInt32 {
        switch scalar {
        case "n": 10
        case "t": 9
        case "r": 13
        case "s": 32
        case "e": 27
        case "0": 0
        case "a": 7
        case "b": 8
        case "d": 127
        case "f": 12
        case "v": 11
        default: scalar.value
        }
    }

    /// Reads the escape after a backslash (which has been consumed) and answers its code point.
    func readEscape() throws(SyntaxError) -> UInt32 {
        lastEscapeWasByte = false
        let byte = bytes[pos]
        advance()
        switch byte {
        case UInt8(ascii: "n"): return 10
        case UInt8(ascii: "t"): return 9
        case UInt8(ascii: "r"): return 13
        case UInt8(ascii: "s"): return 32
        case UInt8(ascii: "e"): return 27
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "a"): return 7
        case UInt8(ascii: "b"): return 8
        case UInt8(ascii: "d"): return 127
        case UInt8(ascii: "f"): return 12
        case UInt8(ascii: "v"): return 11
        case UInt8(ascii: "x"), UInt8(ascii: "u"):
            // Elixir reports escape errors at the first character of the literal.
            let isHex = byte == UInt8(ascii: "x")
            let invalid = context.error(
                isHex
                    ? "invalid hex escape character, expected \\xHH where H is a hexadecimal digit. Syntax error after: \\x"
                    : "invalid Unicode escape character, expected \\uHHHH or \\u{H*} where H is a hexadecimal digit. "
                        + "Syntax error after: \\u",
                line: literalStart.line, column: literalStart.column + 1)
            var hex = ""
            var braced = false
            if peek() == UInt8(ascii: "{") {
                braced = true
                advance()
                while pos < bytes.count && Lexer.digitValue(bytes[pos]) != nil && hex.count < 8 {
                    hex.append(Character(Unicode.Scalar(bytes[pos])))
                    advance()
                }
                guard peek() == UInt8(ascii: "}"), !hex.isEmpty else { throw invalid }
                advance()
            } else {
                let count = isHex ? 2 : 4
                while hex.count < count && pos < bytes.count && Lexer.digitValue(bytes[pos]) != nil {
                    hex.append(Character(Unicode.Scalar(bytes[pos])))
                    advance()
                }
                guard isHex ? !hex.isEmpty : hex.count == 4 else { throw invalid }
            }
            guard let value = UInt32(hex, radix: 16) else { throw invalid }
            if isHex && !braced { lastEscapeWasByte = true }
            if Unicode.Scalar(value) == nil && !lastEscapeWasByte {
                throw context.error(
                    "invalid or reserved Unicode code point \\u{\(hex)}. Syntax error after: \\u",
                    line: literalStart.line, column: literalStart.column + 1)
            }
            return value
        default:
            if byte < 0x80 { return UInt32(byte) }
            pos -= 1
            column -= 1
            let scalar = currentScalar()
            advance()
            while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { advance() }
            return scalar.value
        }
    }

    /// A heredoc: `"""` then a line break, lines with the closing delimiter's indentation removed.
    func lexHeredocBody(
        quote: UInt8, mode: QuoteMode, startLine: Int, startColumn: Int
    ) throws(SyntaxError) -> [Segment] {
        while peek() == UInt8(ascii: " ") || peek() == UInt8(ascii: "\t") || peek() == UInt8(ascii: "\r") { advance() }
        let delimiter = String(repeating: String(Character(Unicode.Scalar(quote))), count: 3)
        guard peek() == UInt8(ascii: "\n") else {
            throw context.error(
                "heredoc allows only zero or more whitespace characters followed by a new line after \(delimiter)",
                line: startLine, column: startColumn)
        }
        advance()
        // Find the closing line and its indentation.
        var indent = -1
        var scan = pos
        while scan < bytes.count {
            var spaces = 0
            var index = scan
            while index < bytes.count && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t")) {
                index += 1
                spaces += 1
            }
            if index + 2 < bytes.count && bytes[index] == quote && bytes[index + 1] == quote && bytes[index + 2] == quote {
                indent = spaces
                break
            }
            while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            scan = index + 1
        }
        guard indent >= 0 else {
            line = lineAtEnd()
            pos = bytes.count
            column = columnAtEnd()
            throw context.error(
                "missing terminator: \(delimiter) (for heredoc starting at line \(startLine))",
                line: line, column: column, kind: .tokenMissing)
        }
        lastHeredocIndent = indent
        var segments: [Segment] = []
        var text: [UInt8] = []
        var atLineStart = true
        while true {
            if atLineStart {
                var removed = 0
                while removed < indent && (peek() == UInt8(ascii: " ") || peek() == UInt8(ascii: "\t")) {
                    advance()
                    removed += 1
                }
                var look = pos
                while look < bytes.count && (bytes[look] == UInt8(ascii: " ") || bytes[look] == UInt8(ascii: "\t")) {
                    look += 1
                }
                if look + 2 < bytes.count && bytes[look] == quote && bytes[look + 1] == quote && bytes[look + 2] == quote {
                    while pos < look + 3 { advance() }
                    break
                }
                atLineStart = false
            }
            guard pos < bytes.count else {
                throw context.error(
                    "missing terminator: \(delimiter) (for heredoc starting at line \(startLine))",
                    line: line, column: column, kind: .tokenMissing)
            }
            if bytes[pos] == UInt8(ascii: "\n") {
                text.append(bytes[pos])
                advance()
                atLineStart = true
                continue
            }
            try lexQuotedByte(&text, &segments, mode: mode, terminator: 0)
            if pos > 0 && bytes[pos - 1] == UInt8(ascii: "\n") && text.last != UInt8(ascii: "\n") {
                atLineStart = true
            }
        }
        if !text.isEmpty || segments.isEmpty { segments.append(.text(text)) }
        return segments
    }

    func lineAtEnd() -> Int {
        var result = line
        var index = pos
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { result += 1 }
            index += 1
        }
        return result
    }

    func columnAtEnd() -> Int {
        var index = bytes.count
        var count = 1
        while index > 0 && bytes[index - 1] != UInt8(ascii: "\n") {
            if bytes[index - 1] & 0xC0 != 0x80 { count += 1 }
            index -= 1
        }
        return count
    }

}
