import BigInt
import ETF

/// Turns source bytes into tokens, checking that brackets and `do`/`fn` … `end` pair up, as
/// Elixir's tokenizer does before its parser runs (so an unclosed bracket anywhere wins over
/// a grammar error earlier in the text).
final class Lexer {
    /// Deepest bracket or interpolation nesting accepted before giving up with a SyntaxError.
    static let maxDepth = 2048

    let bytes: [UInt8]
    let context: ErrorContext
    var pos: Int
    var line: Int
    var column: Int
    var tokens: [Token] = []
    var openers: [(symbol: String, line: Int)] = []
    var depth: Int
    var spaceBefore = true
    /// Whether the last escape read was `\xHH`, a raw byte rather than a code point.
    var lastEscapeWasByte = false
    /// Where the token being read starts in `bytes`.
    var tokenStart = 0
    /// Where the string-like literal being read starts, for escape errors.
    var literalStart = (line: 1, column: 1)
    /// The indentation the last heredoc removed (sigil heredocs record it in their metadata).
    var lastHeredocIndent = 0

    init(context: ErrorContext) {
        self.bytes = context.bytes
        self.context = context
        self.pos = 0
        self.line = context.firstLine
        self.column = 1
        self.depth = 0
    }

    init(parent: Lexer) {
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

    func run(interpolation: Bool) throws(SyntaxError) -> [Token] {
        while true {
            skipBlanks()
            guard pos < bytes.count else {
                if interpolation {
                    throw context.error(
                        "missing interpolation terminator: \"}\"", line: line, column: column, kind: .tokenMissing)
                }
                if let open = openers.last {
                    throw context.error(
                        "missing terminator: \(Lexer.closer(of: open.symbol)) (for \"\(open.symbol)\" starting at line \(open.line))",
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
        var arranged = Lexer.arrangeNewlines(tokens)
        // `#{` and a line break but nothing else: Elixir gives that empty block a line.
        if interpolation && tokens.count > 1 && tokens.dropLast().allSatisfy(\.isEOL) {
            arranged[arranged.count - 1].newlineBefore = true
        }
        return arranged
    }

    func emit(_ kind: Token.Kind, line: Int, column: Int, text: String = "") {
        let written = text.isEmpty ? String(decoding: bytes[min(tokenStart, pos)..<pos], as: UTF8.self) : text
        tokens.append(Token(kind: kind, line: line, column: column, spaceBefore: spaceBefore, text: written))
        spaceBefore = false
    }

    func peek(_ offset: Int = 0) -> UInt8 {
        pos + offset < bytes.count ? bytes[pos + offset] : 0
    }

    /// Moves one byte on, counting columns in Unicode scalars (continuation bytes don't count).
    func advance() {
        let byte = bytes[pos]
        pos += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    func advance(_ count: Int) {
        for _ in 0..<count { advance() }
    }

    func skipBlanks() {
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

    func lexToken() throws(SyntaxError) {
        tokenStart = pos
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
            if peek() == UInt8(ascii: "?") || peek() == UInt8(ascii: "!") {
                let mark = String(Character(Unicode.Scalar(peek())))
                throw context.error(
                    "invalid character \"\(mark)\" (code point U+\(Lexer.hex4(UInt32(peek())))) in alias (only ASCII "
                        + "characters, without punctuation, are allowed): \(name)\(mark)",
                    line: startLine, column: startColumn)
            }
            if peek() == UInt8(ascii: "@") {
                throw context.error(
                    "invalid character \"@\" (code point U+0040) in alias: \(name)@", line: startLine, column: startColumn)
            }
            if try !lexKeywordSuffix(name, line: startLine, column: startColumn) {
                emit(.alias(name), line: startLine, column: startColumn, text: name)
            }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            try lexString()
        case UInt8(ascii: ":"):
            try lexColon()
        case UInt8(ascii: "?"):
            try lexCharLiteral()
        case UInt8(ascii: "~") where isLetter(peek(1)) && pos + 2 < bytes.count:
            try lexSigil()
        case UInt8(ascii: "&") where isDigit(peek(1)) && !capturesOtherNumber():
            advance()
            let digits = scanDigits()
            emit(.captureInt(Int(digits) ?? 0), line: startLine, column: startColumn, text: "&" + digits)
        case UInt8(ascii: "\\") where pos + 1 == bytes.count:
            throw context.error("invalid escape \\ at end of file", line: startLine, column: startColumn, kind: .tokenMissing)
        default:
            try lexOperator()
        }
    }

    /// `&1` is a capture placeholder, but `&1.5` and `&0x1F` capture a number.
    func capturesOtherNumber() -> Bool {
        var index = pos + 1
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count,
           [UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b")].contains(bytes[index + 1]) { return true }
        while index < bytes.count && (isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_")) { index += 1 }
        return index + 1 < bytes.count && bytes[index] == UInt8(ascii: ".") && isDigit(bytes[index + 1])
    }

    func lexOperator() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        for candidate in Operators.symbolsByFirstByte[Int(bytes[pos])] where matches(candidate) {
            let symbol = String(decoding: candidate, as: UTF8.self)
            advance(candidate.count)
            switch symbol {
            case "(" where !spaceBefore:
                if case .alias(let name)? = tokens.last?.kind {
                    throw context.error(
                        "unexpected ( after alias \(name). Function names and identifiers in Elixir start with lowercase "
                            + "characters or underscore. For example:\n\n    hello_world()\n    _starting_with_underscore()\n"
                            + "    numb3rs_are_allowed()\n    may_finish_with_question_mark?()\n    "
                            + "may_finish_with_exclamation_mark!()\n\nUnexpected token: (",
                        line: startLine, column: startColumn + 1)
                }
                try open(symbol, line: startLine)
            case ";" where tokens.last?.isOp(";") == true:
                throw context.error(
                    "unexpected token: \";\" (column \(startColumn), code point U+003B)", line: startLine, column: startColumn)
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
        throw context.error(
            "unexpected token: \"\(text)\" (column \(startColumn), code point U+\(Lexer.hex4(scalar.value)))",
            line: startLine, column: startColumn)
    }

    func matches(_ symbol: [UInt8]) -> Bool {
        guard pos + symbol.count <= bytes.count else { return false }
        for offset in 0..<symbol.count where bytes[pos + offset] != symbol[offset] { return false }
        return true
    }

    func matches(_ symbol: String) -> Bool {
        var index = pos
        for byte in symbol.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        return true
    }

    func currentScalar() -> Unicode.Scalar {
        var iterator = bytes[pos...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return "\u{FFFD}"
    }

    static let doExpressionHint =
        "In case you wanted to write a \"do\" expression, you must either use do-blocks or separate the keyword "
        + "argument with comma. For example, you should either write:\n\n    if some_condition? do\n      :this\n    "
        + "else\n      :that\n    end\n\nor the equivalent construct:\n\n    if(some_condition?, do: :this, else: :that)"
        + "\n\nwhere \"some_condition?\" is the first argument and the second argument is a keyword list.\n\nYou may "
        + "see this error if you forget a trailing comma before the \"do\" in a \"do\" block"

    /// A code point as Elixir prints it in messages: at least four uppercase hex digits.
    static func hex4(_ value: UInt32) -> String {
        let code = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - code.count)) + code
    }

    func open(_ symbol: String, line: Int) throws(SyntaxError) {
        openers.append((symbol, line))
        if openers.count + depth > Lexer.maxDepth {
            throw context.error(
                "too many nested expressions (more than \(Lexer.maxDepth) levels)", line: line, column: column)
        }
    }

    func close(_ symbol: String, line: Int, column: Int) throws(SyntaxError) {
        guard let top = openers.last else {
            if symbol == "end" {
                throw context.error("unexpected reserved word: end", line: line, column: column, excerpt: false)
            }
            throw context.error("unexpected token: \(symbol)", line: line, column: column)
        }
        let expected = Lexer.closer(of: top.symbol)
        guard expected == symbol else {
            let what = symbol == "end" ? "unexpected reserved word" : "unexpected token"
            throw context.error(
                "\(what): \(symbol). The \"\(top.symbol)\" at line \(top.line) is missing terminator \"\(expected)\"",
                line: line, column: column, excerpt: false)
        }
        openers.removeLast()
    }

    static func closer(of opener: String) -> String {
        switch opener {
        case "(": ")"
        case "[": "]"
        case "{": "}"
        case "<<": ">>"
        default: "end"
        }
    }

    // MARK: - Words

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    func isWordByte(_ byte: UInt8) -> Bool { isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") }

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

    func scanWord(allowSuffix: Bool) -> String {
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

    func isBlankOrEnd(_ byte: UInt8) -> Bool {
        byte == 0 || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    /// `name:` followed by a blank is a keyword key; emits it and answers true.
    func lexKeywordSuffix(_ name: String, line: Int, column: Int) throws(SyntaxError) -> Bool {
        guard peek() == UInt8(ascii: ":"), peek(1) != UInt8(ascii: ":"), pos + 1 < bytes.count else { return false }
        guard isBlankOrEnd(peek(1)) else {
            throw context.error(
                "keyword argument must be followed by space after: \(name):", line: line, column: column)
        }
        if name == "do", let previous = tokens.last,
           previous.isOp(")") || previous.isOp("]") || previous.isOp("}") || previous.isOp(">>") || previous.isReserved("end") {
            throw context.error(
                "unexpected keyword: do:. " + Lexer.doExpressionHint, line: line, column: column, excerpt: false)
        }
        advance()
        emit(.keyword(try intern(name, line: line, column: column)), line: line, column: column, text: name + ":")
        return true
    }

    func intern(_ text: String, line: Int, column: Int) throws(SyntaxError) -> Atom {
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

    func lexIdentifier() throws(SyntaxError) {
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
            if name == "do", let previous = tokens.last(where: { if case .eol = $0.kind { false } else { true } }) {
                if previous.isOp(",") || previous.isOp(";"), !(peek() == UInt8(ascii: ":") && peek(1) != UInt8(ascii: ":")) {
                    throw context.error(
                        "unexpected reserved word: do. " + Lexer.doExpressionHint, line: startLine, column: startColumn,
                        excerpt: false)
                }
                if tokens.last?.isReserved("fn") == true {
                    throw context.error(
                        "unexpected reserved word: do. Anonymous functions are written as:\n\n    fn pattern -> expression end",
                        line: startLine, column: startColumn, excerpt: false)
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

    func lexNumber() throws(SyntaxError) {
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

    func scanDigits() -> String {
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

    func emitInteger(_ digits: String, radix: Int, line: Int, column: Int, start: Int) {
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        let value: Term
        if let small = Int(digits, radix: radix) {
            value = .int(small)
        } else {
            value = Term.integer(BigIntDecimal.parse(digits, radix: radix) ?? 0)
        }
        emit(.integer(value), line: line, column: column, text: text)
    }

    static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    func checkAfterNumber(start: Int, line: Int, column: Int) throws(SyntaxError) {
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

    func lexColon() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        if peek(1) == UInt8(ascii: ":") {
            advance(2)
            emit(.op("::"), line: startLine, column: startColumn, text: "::")
            return
        }
        let next = peek(1)
        if next == UInt8(ascii: "\"") || next == UInt8(ascii: "'") {
            literalStart = (startLine, startColumn)
            advance()
            let quote = peek()
            advance()
            let segments = try lexQuotedBody(
                terminator: quote, mode: .escaped, startLine: startLine, kindName: "atom")
            if segments.count <= 1, case .text(let text)? = segments.first ?? .text([]) {
                let name = String(decoding: text, as: UTF8.self)
                emit(.atom(try intern(name, line: startLine, column: startColumn)), line: startLine, column: startColumn)
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
            emit(.atom(try intern(name, line: startLine, column: startColumn)), line: startLine, column: startColumn)
            return
        }
        advance()
        for symbol in Operators.atomableLongestFirst where matches(symbol) {
            advance(symbol.utf8.count)
            emit(.atom(Atom(symbol)), line: startLine, column: startColumn)
            return
        }
        throw context.error(
            "unexpected token: \":\" (column \(startColumn), code point U+003A)", line: startLine, column: startColumn)
    }

    func lexCharLiteral() throws(SyntaxError) {
        let startLine = line
        let startColumn = column
        guard pos + 1 < bytes.count else {
            throw context.error(
                "unexpected token: \"?\" (column \(startColumn), code point U+003F)", line: startLine, column: startColumn)
        }
        let literal = pos
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
        let written = String(decoding: bytes[(literal + 1)..<pos], as: UTF8.self)
        emit(.integer(.int(Int(value))), line: startLine, column: startColumn,
             text: "?" + (written == " " ? "\\s" : written))
    }
}
