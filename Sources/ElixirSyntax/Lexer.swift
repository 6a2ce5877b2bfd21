import BigInt
import ETF

/// Turns source bytes into tokens, checking that brackets and `do`/`fn` … `end` pair up, as
/// Elixir's tokenizer does before its parser runs (so an unclosed bracket anywhere wins over
/// a grammar error earlier in the text).
final class Lexer {
    /// Deepest bracket or interpolation nesting accepted before giving up with a SyntaxError.
    static let maxDepth = 2048

    private let bytes: [UInt8]
    private let context: ErrorContext
    private var pos: Int
    private var line: Int
    private var column: Int
    private var tokens: [Token] = []
    private var openers: [(symbol: String, line: Int)] = []
    private var depth: Int
    private var spaceBefore = true

    init(context: ErrorContext) {
        self.bytes = context.bytes
        self.context = context
        self.pos = 0
        self.line = context.firstLine
        self.column = 1
        self.depth = 0
    }

    private init(parent: Lexer) {
        bytes = parent.bytes
        context = parent.context
        pos = parent.pos
        line = parent.line
        column = parent.column
        depth = parent.depth + 1
    }

    /// All tokens of the source, ending with `.eof`.
    static func tokenize(_ context: ErrorContext) throws(SyntaxError) -> [Token] {
        let lexer = Lexer(context: context)
        return try lexer.run(interpolation: false)
    }

    // MARK: - Driver

    private func run(interpolation: Bool) throws(SyntaxError) -> [Token] {
        while true {
            skipBlanks()
            guard pos < bytes.count else {
                if interpolation {
                    throw context.error(
                        "missing interpolation terminator: \"}\"", line: line, column: column, kind: .tokenMissing)
                }
                if let open = openers.last {
                    let closer = Lexer.closer(of: open.symbol)
                    let what = open.symbol == "do" || open.symbol == "fn" ? "\"\(open.symbol)\"" : "\"\(open.symbol)\""
                    throw context.error(
                        "missing terminator: \(closer) (for \(what) starting at line \(open.line))",
                        line: line, column: column, kind: .tokenMissing)
                }
                emit(.eof, line: line, column: column)
                break
            }
            if interpolation && bytes[pos] == UInt8(ascii: "}") && openers.isEmpty {
                emit(.eof, line: line, column: column)
                advance()
                break
            }
            try lexToken()
        }
        return Lexer.arrangeNewlines(tokens)
    }

    private func emit(_ kind: Token.Kind, line: Int, column: Int, text: String = "") {
        tokens.append(Token(kind: kind, line: line, column: column, spaceBefore: spaceBefore, text: text))
        spaceBefore = false
    }

    private func peek(_ offset: Int = 0) -> UInt8 {
        pos + offset < bytes.count ? bytes[pos + offset] : 0
    }

    /// Moves one byte on, counting columns in Unicode scalars (continuation bytes don't count).
    private func advance() {
        let byte = bytes[pos]
        pos += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func advance(_ count: Int) {
        for _ in 0..<count { advance() }
    }

    private func skipBlanks() {
        while pos < bytes.count {
            let byte = bytes[pos]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                advance()
                spaceBefore = true
            } else if byte == UInt8(ascii: "#") {
                while pos < bytes.count && bytes[pos] != UInt8(ascii: "\n") { advance() }
                spaceBefore = true
            } else if byte == UInt8(ascii: "\\") && (peek(1) == UInt8(ascii: "\n")
                || (peek(1) == UInt8(ascii: "\r") && peek(2) == UInt8(ascii: "\n"))) {
                while bytes[pos] != UInt8(ascii: "\n") { advance() }
                advance()
                spaceBefore = true
            } else {
                return
            }
        }
    }

    // MARK: - Tokens

    private func lexToken() throws(SyntaxError) {
        let byte = bytes[pos]
        let startLine = line
        let startColumn = column
        switch byte {
        case UInt8(ascii: "\n"):
            advance()
            emit(.eol, line: startLine, column: startColumn)
            spaceBefore = true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            try lexNumber()
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"):
            try lexIdentifier()
        case 0x80... where Lexer.startsIdentifier(currentScalar()):
            try lexIdentifier()
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
            let name = scanWord(allowSuffix: false)
            if try !lexKeywordSuffix(name, line: startLine, column: startColumn) {
                emit(.alias(name), line: startLine, column: startColumn, text: name)
            }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            try lexString()
        case UInt8(ascii: ":"):
            try lexColon()
        case UInt8(ascii: "?"):
            try lexCharLiteral()
        case UInt8(ascii: "~") where isLetter(peek(1)):
            try lexSigil()
        case UInt8(ascii: "&") where isDigit(peek(1)):
            advance()
            let digits = scanWhile(isDigit)
            emit(.captureInt(Int(digits) ?? 0), line: startLine, column: startColumn, text: "&" + digits)
        case UInt8(ascii: "\\") where pos + 1 == bytes.count:
            throw context.error("invalid escape \\ at end of file", line: startLine, column: startColumn, kind: .tokenMissing)
        default:
            try lexOperator()
        }
    }

    private func lexOperator() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        for candidate in Operators.symbolsByFirstByte[Int(bytes[pos])] where matches(candidate) {
            let symbol = String(decoding: candidate, as: UTF8.self)
            advance(candidate.count)
            switch symbol {
            case "(", "[", "{", "<<":
                try open(symbol, line: startLine)
            case ")", "]", "}", ">>":
                try close(symbol, line: startLine, column: startColumn)
            default:
                break
            }
            if peek() == UInt8(ascii: ":") && pos + 1 < bytes.count && isBlankOrEnd(peek(1))
                && Operators.atomable.contains(symbol) {
                advance()
                emit(.keyword(Atom(symbol)), line: startLine, column: startColumn, text: symbol + ":")
                return
            }
            emit(.op(symbol), line: startLine, column: startColumn, text: symbol)
            return
        }
        let scalar = currentScalar()
        let text = String(Character(scalar))
        let code = String(scalar.value, radix: 16, uppercase: true)
        throw context.error(
            "unexpected token: \"\(text)\" (column \(startColumn), code point U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code))",
            line: startLine, column: startColumn)
    }

    private func matches(_ symbol: [UInt8]) -> Bool {
        guard pos + symbol.count <= bytes.count else { return false }
        for offset in 0..<symbol.count where bytes[pos + offset] != symbol[offset] { return false }
        return true
    }

    private func matches(_ symbol: String) -> Bool {
        var index = pos
        for byte in symbol.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        return true
    }

    private func currentScalar() -> Unicode.Scalar {
        var iterator = bytes[pos...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return "\u{FFFD}"
    }

    private func open(_ symbol: String, line: Int) throws(SyntaxError) {
        openers.append((symbol, line))
        if openers.count + depth > Lexer.maxDepth {
            throw context.error(
                "too many nested expressions (more than \(Lexer.maxDepth) levels)", line: line, column: column)
        }
    }

    private func close(_ symbol: String, line: Int, column: Int) throws(SyntaxError) {
        guard let top = openers.last else {
            if symbol == "end" {
                throw context.error("unexpected reserved word: end", line: line, column: column, excerpt: false)
            }
            throw context.error("unexpected token: \(symbol)", line: line, column: column)
        }
        let expected = Lexer.closer(of: top.symbol)
        guard expected == symbol else {
            throw context.error(
                "unexpected token: \(symbol). The \"\(top.symbol)\" at line \(top.line) is missing terminator \"\(expected)\"",
                line: line, column: column, excerpt: false)
        }
        openers.removeLast()
    }

    private static func closer(of opener: String) -> String {
        switch opener {
        case "(": ")"
        case "[": "]"
        case "{": "}"
        case "<<": ">>"
        default: "end"
        }
    }

    // MARK: - Words

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private func isWordByte(_ byte: UInt8) -> Bool { isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") }

    private func scanWhile(_ predicate: (UInt8) -> Bool) -> String {
        let start = pos
        while pos < bytes.count && predicate(bytes[pos]) { advance() }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    static func startsIdentifier(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic && !scalar.properties.isUppercase
    }

    static func continuesIdentifier(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .connectorPunctuation, .decimalNumber: return true
        default: return properties.isAlphabetic
        }
    }

    private func scanWord(allowSuffix: Bool) -> String {
        let start = pos
        while pos < bytes.count {
            if isWordByte(bytes[pos]) {
                advance()
            } else if bytes[pos] >= 0x80 && Lexer.continuesIdentifier(currentScalar()) {
                advance()
                while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { advance() }
            } else {
                break
            }
        }
        if allowSuffix && (peek() == UInt8(ascii: "?") || peek() == UInt8(ascii: "!")) { advance() }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    private func isBlankOrEnd(_ byte: UInt8) -> Bool {
        byte == 0 || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    /// `name:` followed by a blank is a keyword key; emits it and answers true.
    private func lexKeywordSuffix(_ name: String, line: Int, column: Int) throws(SyntaxError) -> Bool {
        guard peek() == UInt8(ascii: ":"), peek(1) != UInt8(ascii: ":"), pos + 1 < bytes.count else { return false }
        guard isBlankOrEnd(peek(1)) else {
            throw context.error(
                "keyword argument must be followed by space after: \(name):", line: line, column: column)
        }
        advance()
        emit(.keyword(try intern(name, line: line, column: column)), line: line, column: column, text: name + ":")
        return true
    }

    private func intern(_ text: String, line: Int, column: Int) throws(SyntaxError) -> Atom {
        do {
            return try Atom.intern(text)
        } catch {
            switch error {
            case .tooLong:
                throw context.error("atom length must be less than system limit: \(text)", line: line, column: column)
            case .tableFull:
                throw context.error("too many atoms (the atom table is full)", line: line, column: column)
            }
        }
    }

    private func lexIdentifier() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        let start = pos
        let name = scanWord(allowSuffix: true)
        if peek() == UInt8(ascii: "@") {
            while pos < bytes.count && (isWordByte(bytes[pos]) || bytes[pos] == UInt8(ascii: "@")) { advance() }
            let name = String(decoding: bytes[start..<pos], as: UTF8.self)
            throw context.error(
                "invalid character \"@\" (code point U+0040) in identifier: \(name)", line: startLine, column: startColumn)
        }
        if try lexKeywordSuffix(name, line: startLine, column: startColumn) { return }
        let afterDot = tokens.last?.isOp(".") ?? false
        if afterDot {
            emit(.identifier(name), line: startLine, column: startColumn, text: name)
            return
        }
        switch name {
        case "true": emit(.atom(.true), line: startLine, column: startColumn, text: name)
        case "false": emit(.atom(.false), line: startLine, column: startColumn, text: name)
        case "nil": emit(.atom(.nil), line: startLine, column: startColumn, text: name)
        case "and", "or", "in", "when":
            emit(.op(name), line: startLine, column: startColumn, text: name)
        case "not":
            var look = pos
            while look < bytes.count && (bytes[look] == UInt8(ascii: " ") || bytes[look] == UInt8(ascii: "\t")) {
                look += 1
            }
            if look + 1 < bytes.count && bytes[look] == UInt8(ascii: "i") && bytes[look + 1] == UInt8(ascii: "n")
                && (look + 2 >= bytes.count || !isWordByte(bytes[look + 2]) && bytes[look + 2] != UInt8(ascii: ":")) {
                while pos < look + 2 { advance() }
                emit(.op("not in"), line: startLine, column: startColumn, text: "not in")
            } else {
                emit(.op("not"), line: startLine, column: startColumn, text: name)
            }
        case "do", "fn":
            if name == "do", let previous = tokens.last {
                if previous.isOp(",") || previous.isOp(";") {
                    throw context.error(
                        "unexpected reserved word: do. In case you wanted to write a \"do\" expression, you must either "
                            + "use do-blocks or separate the keyword argument with comma. For example, you should either "
                            + "write:\n\n    if some_condition? do\n      :this\n    else\n      :that\n    end\n\nor the "
                            + "equivalent construct:\n\n    if(some_condition?, do: :this, else: :that)\n\nwhere "
                            + "\"some_condition?\" is the first argument and the second argument is a keyword list.\n\n"
                            + "You may see this error if you forget a trailing comma before the \"do\" in a \"do\" block",
                        line: startLine, column: startColumn)
                }
                if previous.isReserved("fn") {
                    throw context.error(
                        "unexpected reserved word: do. Anonymous functions are written as:\n\n    fn pattern -> expression end",
                        line: startLine, column: startColumn)
                }
            }
            try open(name, line: startLine)
            emit(.reserved(name), line: startLine, column: startColumn, text: name)
        case "end":
            try close("end", line: startLine, column: startColumn)
            emit(.reserved(name), line: startLine, column: startColumn, text: name)
        case "else", "after", "catch", "rescue":
            emit(.reserved(name), line: startLine, column: startColumn, text: name)
        default:
            emit(.identifier(name), line: startLine, column: startColumn, text: name)
        }
    }

    // MARK: - Numbers

    private func lexNumber() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        let start = pos
        var radix = 10
        if peek() == UInt8(ascii: "0") {
            switch peek(1) {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: break
            }
        }
        if radix != 10 {
            let digitOK: (UInt8) -> Bool = { byte in
                guard let value = Lexer.digitValue(byte) else { return false }
                return value < radix
            }
            if digitOK(peek(2)) {
                advance(2)
                var digits = ""
                while pos < bytes.count {
                    if digitOK(bytes[pos]) {
                        digits.append(Character(Unicode.Scalar(bytes[pos])))
                        advance()
                    } else if bytes[pos] == UInt8(ascii: "_") && digitOK(peek(1)) {
                        advance()
                    } else {
                        break
                    }
                }
                try checkAfterNumber(start: start, line: startLine, column: startColumn)
                emitInteger(digits, radix: radix, line: startLine, column: startColumn, start: start)
                return
            }
        }
        var digits = scanDigits()
        var isFloat = false
        if peek() == UInt8(ascii: "."), isDigit(peek(1)) {
            isFloat = true
            advance()
            digits += "." + scanDigits()
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                let signed = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")
                if isDigit(peek(signed ? 2 : 1)) {
                    advance()
                    digits += "e"
                    if signed {
                        digits.append(Character(Unicode.Scalar(bytes[pos])))
                        advance()
                    }
                    digits += scanDigits()
                }
            }
        }
        try checkAfterNumber(start: start, line: startLine, column: startColumn)
        if isFloat {
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            guard let value = Double(digits), value.isFinite else {
                throw context.error("invalid float number \(text)", line: startLine, column: startColumn)
            }
            emit(.float(value), line: startLine, column: startColumn, text: text)
        } else {
            emitInteger(digits, radix: 10, line: startLine, column: startColumn, start: start)
        }
    }

    private func scanDigits() -> String {
        var digits: [UInt8] = []
        defer { _ = digits }
        while pos < bytes.count {
            if isDigit(bytes[pos]) {
                digits.append(bytes[pos])
                advance()
            } else if bytes[pos] == UInt8(ascii: "_") && isDigit(peek(1)) {
                advance()
            } else {
                break
            }
        }
        return String(decoding: digits, as: UTF8.self)
    }

    private func emitInteger(_ digits: String, radix: Int, line: Int, column: Int, start: Int) {
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        let value: Term
        if let small = Int(digits, radix: radix) {
            value = .int(small)
        } else {
            value = Term.integer(BigInt(digits, radix: radix) ?? 0)
        }
        emit(.integer(value), line: line, column: column, text: text)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    private func checkAfterNumber(start: Int, line: Int, column: Int) throws(SyntaxError) {
        let next = peek()
        guard isWordByte(next) || next >= 0x80 else { return }
        let scalar = currentScalar()
        let number = String(decoding: bytes[start..<pos], as: UTF8.self)
        let char = String(Character(scalar))
        throw context.error(
            "invalid character \"\(char)\" after number \(number). If you intended to write a number, make sure to "
                + "separate the number from the character (using comma, space, etc). If you meant to write a function "
                + "name or a variable, note that identifiers in Elixir cannot start with numbers. Unexpected token: \(char)",
            line: line, column: column)
    }

    // MARK: - Atoms and characters

    private func lexColon() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        if peek(1) == UInt8(ascii: ":") {
            advance(2)
            emit(.op("::"), line: startLine, column: startColumn, text: "::")
            return
        }
        let next = peek(1)
        if next == UInt8(ascii: "\"") || next == UInt8(ascii: "'") {
            advance()
            let quote = peek()
            advance()
            let segments = try lexQuotedBody(
                terminator: quote, mode: .escaped, startLine: startLine, kindName: "atom")
            if segments.count <= 1, case .text(let text)? = segments.first ?? .text([]) {
                let name = String(decoding: text, as: UTF8.self)
                emit(.atom(try intern(name, line: startLine, column: startColumn)), line: startLine, column: startColumn,
                     text: name)
            } else {
                emit(.interpolatedAtom(segments), line: startLine, column: startColumn)
            }
            return
        }
        let startsWord: Bool = {
            guard next >= 0x80, pos + 1 < bytes.count else { return false }
            var iterator = bytes[(pos + 1)...].makeIterator()
            var decoder = UTF8()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) { return Lexer.startsIdentifier(scalar) }
            return false
        }()
        if isLetter(next) || next == UInt8(ascii: "_") || startsWord {
            advance()
            let start = pos
            while pos < bytes.count {
                if isWordByte(bytes[pos]) || bytes[pos] == UInt8(ascii: "@") {
                    advance()
                } else if bytes[pos] >= 0x80 && Lexer.continuesIdentifier(currentScalar()) {
                    advance()
                    while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { advance() }
                } else {
                    break
                }
            }
            if peek() == UInt8(ascii: "?") || peek() == UInt8(ascii: "!") { advance() }
            let name = String(decoding: bytes[start..<pos], as: UTF8.self)
            emit(.atom(try intern(name, line: startLine, column: startColumn)), line: startLine, column: startColumn,
                 text: name)
            return
        }
        advance()
        let candidates = Operators.atomable.sorted { $0.utf8.count > $1.utf8.count }
        for symbol in candidates where matches(symbol) {
            advance(symbol.utf8.count)
            emit(.atom(Atom(symbol)), line: startLine, column: startColumn, text: symbol)
            return
        }
        throw context.error(
            "unexpected token: \":\" (column \(startColumn), code point U+003A)", line: startLine, column: startColumn)
    }

    private func lexCharLiteral() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        guard pos + 1 < bytes.count else {
            throw context.error(
                "unexpected token: \"?\" (column \(startColumn), code point U+003F)", line: startLine, column: startColumn)
        }
        advance()
        let value: UInt32
        if peek() == UInt8(ascii: "\\") {
            advance()
            guard pos < bytes.count else {
                emit(.integer(.int(92)), line: startLine, column: startColumn, text: "?\\")
                return
            }
            value = Lexer.simpleEscape(currentScalar())
            advance()
            while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { advance() }
        } else {
            value = currentScalar().value
            advance()
            while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { advance() }
        }
        emit(.integer(.int(Int(value))), line: startLine, column: startColumn,
             text: String(decoding: bytes[(pos - 1)..<pos], as: UTF8.self))
    }

    // MARK: - Strings, charlists, heredocs, sigils

    enum QuoteMode {
        /// Strings, charlists, atoms: escapes processed, interpolation allowed.
        case escaped
        /// Lowercase sigils: interpolation, escapes kept as written (but `\` + terminator).
        case rawInterpolating
        /// Uppercase sigils: no interpolation, escapes kept as written.
        case raw
    }

    private func lexString() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
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
            if peek() == UInt8(ascii: ":") && isBlankOrEnd(peek(1)) {
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
            emit(.string(segments), line: startLine, column: startColumn, text: "string")
        }
    }

    private func lexSigil() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
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
                        + "code point U+\(String(currentScalar().value, radix: 16, uppercase: true))). The available "
                        + "delimiters are: //, ||, \"\", '', (), [], {}, <>",
                    line: line, column: column)
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
    private func lexQuotedBody(
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
    private func lexQuotedByte(
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

    private var lastEscapeWasByte = false
    /// The indentation the last heredoc removed (sigil heredocs record it in their metadata).
    private var lastHeredocIndent = 0

    private func appendScalar(_ value: UInt32, to text: inout [UInt8], rawByte: Bool) {
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
    private func readEscape() throws(SyntaxError) -> UInt32 {
        lastEscapeWasByte = false
        let byte = bytes[pos]
        let startLine = line
        let startColumn = column
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
            var hex = ""
            if peek() == UInt8(ascii: "{") {
                advance()
                while pos < bytes.count && Lexer.digitValue(bytes[pos]) != nil && hex.count < 8 {
                    hex.append(Character(Unicode.Scalar(bytes[pos])))
                    advance()
                }
                guard peek() == UInt8(ascii: "}") else {
                    throw context.error("invalid Unicode escape", line: startLine, column: startColumn)
                }
                advance()
            } else {
                let count = byte == UInt8(ascii: "x") ? 2 : 4
                while hex.count < count && pos < bytes.count && Lexer.digitValue(bytes[pos]) != nil {
                    hex.append(Character(Unicode.Scalar(bytes[pos])))
                    advance()
                }
            }
            guard let value = UInt32(hex, radix: 16) else {
                throw context.error(
                    "invalid hex escape character, expected \\x followed by hex digits",
                    line: startLine, column: startColumn)
            }
            if byte == UInt8(ascii: "x") && hex.count <= 2 { lastEscapeWasByte = true }
            if Unicode.Scalar(value) == nil && !lastEscapeWasByte {
                throw context.error(
                    "invalid or reserved Unicode code point \\u{\(hex)}. Syntax error after: \\u",
                    line: startLine, column: startColumn - 1)
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
    private func lexHeredocBody(
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
            if index + 2 < bytes.count + 0 && bytes[index] == quote && bytes[index + 1] == quote && bytes[index + 2] == quote {
                indent = spaces
                break
            }
            while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            scan = index + 1
        }
        guard indent >= 0 else {
            pos = bytes.count
            while pos > 0 && false {}
            line = lineAtEnd()
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
                if look + 2 < bytes.count + 0 && bytes[look] == quote && bytes[look + 1] == quote && bytes[look + 2] == quote {
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

    private func lineAtEnd() -> Int {
        var result = line
        var index = pos
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { result += 1 }
            index += 1
        }
        return result
    }

    private func columnAtEnd() -> Int {
        var index = bytes.count
        var count = 1
        while index > 0 && bytes[index - 1] != UInt8(ascii: "\n") {
            if bytes[index - 1] & 0xC0 != 0x80 { count += 1 }
            index -= 1
        }
        return count
    }

    // MARK: - Newlines

    /// Drops line breaks where Elixir ignores them: after an operator, comma or opening bracket,
    /// before a closing bracket, and before a binary operator that continues the previous line.
    static func arrangeNewlines(_ tokens: [Token]) -> [Token] {
        var result: [Token] = []
        result.reserveCapacity(tokens.count)
        var index = 0
        while index < tokens.count {
            var token = tokens[index]
            if case .eol = token.kind {
                var next = index
                while next < tokens.count, case .eol = tokens[next].kind { next += 1 }
                let following = tokens[next]
                if let previous = result.last, continuesAfter(previous) {
                    index = next
                    continue
                }
                if result.isEmpty || continuesBefore(following) {
                    index = next
                    continue
                }
                token.spaceBefore = true
                result.append(token)
                index = next
                continue
            }
            result.append(token)
            index += 1
        }
        for i in 0..<result.count {
            let next = i + 1 < result.count ? result[i + 1] : nil
            if let next {
                result[i].spaceAfter = next.spaceBefore || next.isEOL
            } else {
                result[i].spaceAfter = true
            }
        }
        return result
    }

    private static func continuesAfter(_ token: Token) -> Bool {
        switch token.kind {
        case .op(let symbol):
            if symbol == ")" || symbol == "]" || symbol == "}" || symbol == ">>" || symbol == ";" { return false }
            return true
        case .reserved(let word): return word == "do" || word == "fn"
        case .keyword, .quotedKeyword: return true
        default: return false
        }
    }

    private static func continuesBefore(_ token: Token) -> Bool {
        switch token.kind {
        case .reserved("do"): return true
        case .op(let symbol):
            switch symbol {
            case ")", "]", "}", ">>", ".": return true
            case "+", "-", "->", "not", "!", "^", "&", "@", "~~~", "(", "[", "{", "<<", "%", ",", ";", "...": return false
            default: return Operators.binary[symbol] != nil
            }
        default: return false
        }
    }
}
