import ETF

/// A recursive-descent parser with precedence climbing for binary operators, producing the
/// quoted form `Code.string_to_quoted/1` returns.
final class Parser {
    /// Deepest expression nesting accepted before giving up with a SyntaxError.
    static let maxDepth = 2048

    var tokens: [Token]
    var index = 0
    let context: ErrorContext
    var depth: Int
    /// The token index just after the last `do … end` block's `end`: no `.` may follow it.
    var doBlockEnd = -1
    /// What the surrounding construct allows; brackets and blocks start a fresh one.
    var scope = Scope()

    /// Context-dependent rules, saved and restored as brackets and blocks nest.
    struct Scope {
        /// Whether a `do` block may attach to the call being parsed. False inside the arguments of a
        /// call without parentheses, so `if foo(a) do … end` gives the block to `if`.
        var allowDo = true
        /// Where a call without parentheses may not take several arguments, because the commas
        /// would be ambiguous: inside a container, or as a later argument of another such call.
        var commaContext = CommaContext.free
        /// True while reading a map key, where `|` belongs to the map (`%{map | key => value}`).
        var inMapKey = false
        /// True while reading the name in `%name{…}`, where `{` opens the struct, not an argument.
        var inStructName = false
        /// Set when a `do … end` block was read at this level: such an expression cannot be a
        /// clause head (`if a do b end -> c` is an error).
        var sawDoBlock = false

        /// Inside parentheses, `fn … end` and `do … end`.
        static let block = Scope()
        /// Inside a list, tuple, map, bitstring or access brackets.
        static let container = Scope(commaContext: .container)
    }

    var allowDo: Bool {
        get { scope.allowDo }
        set { scope.allowDo = newValue }
    }

    var commaContext: CommaContext {
        get { scope.commaContext }
        set { scope.commaContext = newValue }
    }

    var inMapKey: Bool {
        get { scope.inMapKey }
        set { scope.inMapKey = newValue }
    }

    var inStructName: Bool {
        get { scope.inStructName }
        set { scope.inStructName = newValue }
    }

    /// Switches to `inner` and answers the scope to restore afterwards.
    func enter(_ inner: Scope) -> Scope {
        let outer = scope
        scope = inner
        return outer
    }

    enum CommaContext {
        case free, container, nestedCall
    }

    init(tokens: [Token], context: ErrorContext, depth: Int = 0) {
        self.tokens = tokens
        self.context = context
        self.depth = depth
    }

    // MARK: - Token access

    var current: Token { tokens[index] }

    func peekToken(_ offset: Int = 1) -> Token {
        tokens[min(index + offset, tokens.count - 1)]
    }

    func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func skipSeparators() {
        while current.isEOL { advance() }
    }

    func skipNewlines() {
        while case .eol = current.kind { advance() }
    }

    /// Line breaks may come before a closing bracket, not before a comma.
    func skipNewlinesBeforeClosing() throws(SyntaxError) {
        guard case .eol = current.kind else { return }
        skipNewlines()
        if current.isOp(",") { throw unexpected(current) }
    }

    func expect(_ symbol: String) throws(SyntaxError) {
        skipNewlines()
        guard current.isOp(symbol) else { throw unexpected(current) }
        advance()
    }

    /// Elixir's "syntax error before: …", or incomplete when the input ran out.
    func unexpected(_ token: Token) -> SyntaxError {
        if token.isEOF {
            return context.error(
                "syntax error: expression is incomplete", line: token.line, column: token.column, kind: .tokenMissing)
        }
        switch token.kind {
        case .atom where ["true", "false", "nil"].contains(token.text):
            return context.error(
                "syntax error before: \(token.text). \"\(token.text)\" is a reserved word in Elixir and therefore its usage "
                    + "is limited. For instance, it can't be used as a variable or be defined nor invoked as a regular function",
                line: token.line, column: token.column, excerpt: false)
        case .op(let word) where ["and", "or", "in", "when", "not"].contains(word):
            return context.error(
                "syntax error before: \(word). \"\(word)\" is a reserved word in Elixir and therefore its usage is "
                    + "limited. For instance, it can't be used as a variable or be defined nor invoked as a regular function",
                line: token.line, column: token.column, excerpt: false)
        case .reserved(let word) where word != "fn" && word != "do":
            return context.error(
                "syntax error before: \(word). \"\(word)\" is a reserved word in Elixir and therefore its usage is "
                    + "limited. For instance, it can't be used as a variable or be defined nor invoked as a regular function",
                line: token.line, column: token.column, excerpt: false)
        case .eol:
            return context.error(
                "unexpectedly reached end of line. The current expression is invalid or incomplete",
                line: token.line, column: token.column, excerpt: false)
        case .string, .sigil,
             .integer where token.text.hasPrefix("?"):
            return context.error(
                "syntax error before: \(Parser.describe(token))", line: token.line, column: token.column, excerpt: false)
        default:
            return context.error(
                "syntax error before: \(Parser.describe(token))", line: token.line, column: token.column)
        }
    }

    /// A token as Elixir's parser names it in "syntax error before: …": Erlang's way of
    /// printing the token's value (atoms quoted when they need it, numbers as strings).
    static func describe(_ token: Token) -> String {
        switch token.kind {
        case .op(let symbol): return "'" + symbol.replacingOccurrences(of: "\\", with: "\\\\") + "'"
        case .identifier(let name): return erlangAtom(name)
        case .alias(let name): return "'\(name)'"
        case .atom(let atom): return erlangAtom(atom.text)
        case .integer where token.text.hasPrefix("?"): return token.text
        case .integer, .float: return "\"\(token.text)\""
        case .keyword: return "'\(token.text)'"
        case .charlist(let segments):
            if segments.count == 1, case .text(let bytes) = segments[0] {
                return "\"\(String(decoding: bytes, as: UTF8.self))\""
            }
            return "'\(token.text)'"
        case .reserved(let word): return word
        case .eol: return "eol"
        case .eof: return ""
        case .string(let segments):
            if segments.count == 1, case .text(let bytes) = segments[0] {
                return "\"\(String(decoding: bytes, as: UTF8.self))\""
            }
            return "'\(token.text)'"
        case .captureInt: return "'&'"
        case .sigil(let name, let parts, _, _, _):
            var content = ""
            if case .text(let bytes)? = parts.first { content = String(decoding: bytes, as: UTF8.self) }
            return "sigil ~\(name.dropFirst("sigil_".count)) starting with content '\(content)'"
        default: return "'\(token.text)'"
        }
    }

    /// Erlang's reserved words, which it quotes when they are atoms.
    static let erlangReservedWords: Set<String> = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case", "catch", "cond", "div",
        "else", "end", "fun", "if", "let", "maybe", "not", "of", "or", "orelse", "receive", "rem", "try", "when", "xor",
    ]

    /// An atom as Erlang prints it: bare when it is a plain lowercase word, quoted otherwise.
    static func erlangAtom(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let plain = !bytes.isEmpty && bytes[0] >= UInt8(ascii: "a") && bytes[0] <= UInt8(ascii: "z")
            && bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "@")
            }
        return plain && !erlangReservedWords.contains(text) ? text : "'\(text)'"
    }

    // MARK: - Program

    /// The whole token stream as one term.
    func parseProgram() throws(SyntaxError) -> Term {
        var exprs: [Term] = []
        let first = current
        skipSeparators()
        if current.isEOF && first.isOp(";") { return Quoted.buildBlock([], meta: Quoted.meta(first.line)) }
        while !current.isEOF {
            exprs.append(try parseExpression())
            guard current.isEOL || current.isEOF else { throw unexpected(current) }
            skipSeparators()
        }
        return Quoted.buildBlock(exprs)
    }

    // MARK: - Expressions

    func parseExpression(_ minPrecedence: Int = 0) throws(SyntaxError) -> Term {
        depth += 1
        defer { depth -= 1 }
        guard depth < Parser.maxDepth else {
            throw context.error(
                "too many nested expressions (more than \(Parser.maxDepth) levels)",
                line: current.line, column: current.column)
        }
        let startToken = current
        let left = try parseUnary(minPrecedence)
        return try parseOperators(after: left, minPrecedence,
                                  leftIsBareUnary: startToken.isOp("not") || startToken.isOp("!"))
    }

    /// Precedence climbing over the binary operators that follow `left`.
    func parseOperators(after left: Term, _ minPrecedence: Int, leftIsBareUnary: Bool) throws(SyntaxError) -> Term {
        var left = left
        var leftIsBareUnary = leftIsBareUnary
        var chain = depth
        while true {
            guard case .op(let symbol) = current.kind, let (precedence, right) = Operators.binary[symbol],
                  precedence >= minPrecedence, symbol != "=>", !(symbol == "|" && inMapKey) else { break }
            let opToken = current
            try checkNesting(&chain, at: opToken)
            advance()
            if symbol == "//" {
                let step = try parseExpression(right ? precedence : precedence + 1)
                guard let (head, meta, args) = Quoted.parts(left), head == .atom(Atom("..")),
                      let bounds = args.properList, bounds.count == 2 else {
                    throw context.error(
                        "the range step operator (//) must immediately follow the range definition operator (..), "
                            + "for example: 1..9//2. If you wanted to define a default argument, use (\\\\) instead. "
                            + "Syntax error before: '//'",
                        line: opToken.line, column: opToken.column)
                }
                left = Quoted.call(Atom("..//"), meta, bounds + [step])
                continue
            }
            let rhs = try parseExpression(right ? precedence : precedence + 1)
            if symbol == "in" || symbol == "not in", let (head, meta, args) = Quoted.parts(left),
               head == .atom(Atom("not")) || head == .atom(Atom("!")), let operand = args.properList, operand.count == 1,
               leftIsBareUnary {
                let inner = symbol == "in"
                    ? Quoted.call("in", line: opToken.line, [operand[0], rhs])
                    : Quoted.call("not", line: opToken.line, [Quoted.call("in", line: opToken.line, [operand[0], rhs])])
                left = Quoted.call(head.atomValue!, meta, [inner])
            } else if symbol == "not in" {
                left = Quoted.call("not", line: opToken.line, [Quoted.call("in", line: opToken.line, [left, rhs])])
            } else {
                left = Quoted.call(try atom(symbol, opToken), Quoted.meta(opToken.line), [left, rhs])
            }
            leftIsBareUnary = false
        }
        return left
    }

    /// A left-nested chain (`a + b + c …`, `a.b.c …`) builds a term as deep as it is long;
    /// it counts against the same limit as nesting, so no term is too deep to free or compare.
    func checkNesting(_ chain: inout Int, at token: Token) throws(SyntaxError) {
        chain += 1
        guard chain < Parser.maxDepth else {
            throw context.error(
                "too many nested expressions (more than \(Parser.maxDepth) levels)", line: token.line, column: token.column)
        }
    }

    func atom(_ text: String, _ token: Token) throws(SyntaxError) -> Atom {
        do {
            return try Atom.intern(text)
        } catch {
            throw context.error(
                "atom length must be less than system limit: \(text)", line: token.line, column: token.column)
        }
    }

    /// A unary operator's operand is itself unary (`- - a`), except that an operand ending in a
    /// `do … end` block takes the operators after it along: `!if a do b end > c` is `!(… > c)`.
    func parseUnary(_ minPrecedence: Int = 0) throws(SyntaxError) -> Term {
        let token = current
        if case .op(let symbol) = token.kind {
            switch symbol {
            case "-", "+", "!", "^", "not", "~~~":
                advance()
                depth += 1
                defer { depth -= 1 }
                guard depth < Parser.maxDepth else {
                    throw context.error(
                        "too many nested expressions (more than \(Parser.maxDepth) levels)",
                        line: token.line, column: token.column)
                }
                var operand = try parseUnary(minPrecedence)
                if index == doBlockEnd {
                    operand = try parseOperators(after: operand, minPrecedence, leftIsBareUnary: false)
                }
                return Quoted.call(Atom(symbol), Quoted.meta(token.line), [operand])
            case "&":
                advance()
                let operand = try parseExpression(Operators.capturePrecedence + 1)
                return Quoted.call(Atom("&"), Quoted.meta(token.line), [operand])
            default:
                break
            }
        }
        let primary = try parsePrimary()
        return try parsePostfix(primary)
    }

    func isKeywordStart(_ token: Token) -> Bool {
        switch token.kind {
        case .keyword, .quotedKeyword: true
        default: false
        }
    }

    // MARK: - Primary expressions

    func parsePrimary() throws(SyntaxError) -> Term {
        let token = current
        switch token.kind {
        case .integer(let value):
            advance()
            return value
        case .float(let value):
            advance()
            return .float(value)
        case .atom(let atom):
            advance()
            return .atom(atom)
        case .string(let segments), .heredoc(let segments):
            advance()
            return try buildString(segments, line: token.line)
        case .charlist(let segments):
            advance()
            return try buildCharlist(segments, line: token.line)
        case .interpolatedAtom(let segments):
            advance()
            let binary = Quoted.call(Atom("<<>>"), Quoted.meta(token.line), try interpolationParts(segments))
            return Quoted.remote(.atom(Quoted.erlang), Atom("binary_to_atom"), dotLine: token.line,
                                 meta: Quoted.meta(token.line), [binary, .atom(Atom("utf8"))])
        case .sigil(let name, let parts, let modifiers, let delimiter, let indentation):
            advance()
            let binaryMeta = indentation.map { Quoted.meta([(Atom("indentation"), .int($0))], line: token.line) }
                ?? Quoted.meta(token.line)
            let binary = Quoted.call(Atom("<<>>"), binaryMeta, try interpolationParts(parts))
            let meta = Quoted.meta([(Quoted.delimiterKey, .string(delimiter))], line: token.line)
            return Quoted.call(try atom(name, token), meta, [binary, Term.list(modifiers.map { .int(Int($0)) })])
        case .captureInt(let n):
            advance()
            return Quoted.call(Atom("&"), Quoted.meta(token.line), [.int(n)])
        case .alias(let name):
            advance()
            return Quoted.call(Quoted.aliases, Quoted.meta(token.line), [.atom(try atom(name, token))])
        case .identifier(let name):
            return try parseIdentifier(name, token)
        case .keyword:
            throw context.error(
                "syntax error before: \(token.text.dropLast())", line: token.line, column: token.column)
        case .quotedKeyword:
            throw unexpected(token)
        case .reserved("fn"):
            return try parseFn()
        case .op("("):
            return try parseParens()
        case .op("["):
            return try parseList()
        case .op("{"):
            return try parseTuple()
        case .op("<<"):
            return try parseBitstring()
        case .op("%"):
            return try parseMap()
        case .op("@"):
            advance()
            var operand: Term
            // `@` binds tighter than `.`: `@foo.bar` reads `(@foo).bar`.
            if case .identifier(let name) = current.kind {
                operand = try parseIdentifier(name, current, allowAccess: false)
            } else if case .op(let symbol) = current.kind, ["-", "+", "!", "^", "not", "~~~", "&", "@"].contains(symbol) {
                operand = try parseUnary()
            } else {
                operand = try parsePrimary()
            }
            if index == doBlockEnd {
                operand = try parseOperators(after: operand, 0, leftIsBareUnary: false)
            }
            return Quoted.call(Atom("@"), Quoted.meta(token.line), [operand])
        case .op("..."):
            advance()
            return Quoted.variable(Atom(token.text), line: token.line)
        case .op(".."):
            advance()
            return Quoted.call(Atom(".."), Quoted.meta(token.line), [])
        default:
            throw unexpected(token)
        }
    }
}
