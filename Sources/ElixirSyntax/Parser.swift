import ETF

/// A recursive-descent parser with precedence climbing for binary operators, producing the
/// quoted form `Code.string_to_quoted/1` returns.
final class Parser {
    /// Deepest expression nesting accepted before giving up with a SyntaxError.
    static let maxDepth = 2048

    var tokens: [Token]
    var index = 0
    let context: ErrorContext
    /// True inside a `#{}`: its end is not the end of the input, so running out is an error.
    let isInterpolation: Bool
    var depth: Int
    /// Whether a `do` block may attach to the call being parsed. False inside the arguments of a
    /// call without parentheses, so `if foo(a) do … end` gives the block to `if`.
    var allowDo = true
    /// The token index just after the last `do … end` block's `end`: no `.` may follow it.
    var doBlockEnd = -1
    /// True while reading the name in `%name{…}`, where `{` opens the struct, not an argument.
    var inStructName = false
    /// Where a call without parentheses may not take several arguments, because the commas
    /// would be ambiguous: inside a container, or as a later argument of another such call.
    var commaContext = CommaContext.free

    enum CommaContext {
        case free, container, nestedCall
    }

    init(tokens: [Token], context: ErrorContext, isInterpolation: Bool = false, depth: Int = 0) {
        self.tokens = tokens
        self.context = context
        self.isInterpolation = isInterpolation
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
        case .reserved(let word) where word != "fn":
            return context.error(
                "syntax error before: \(word). \"\(word)\" is a reserved word in Elixir and therefore its usage is "
                    + "limited. For instance, it can't be used as a variable or be defined nor invoked as a regular function",
                line: token.line, column: token.column, excerpt: false)
        case .string:
            return context.error(
                "syntax error before: \(Parser.describe(token))", line: token.line, column: token.column, excerpt: false)
        default:
            return context.error(
                "syntax error before: \(Parser.describe(token))", line: token.line, column: token.column)
        }
    }

    static func describe(_ token: Token) -> String {
        switch token.kind {
        case .op(let symbol): return "'\(symbol)'"
        case .identifier(let name): return name
        case .alias(let name): return "'\(name)'"
        case .atom(let atom): return atom.text
        case .integer, .float: return "\"\(token.text)\""
        case .keyword: return "'\(token.text)'"
        case .reserved(let word): return word
        case .eol: return "eol"
        case .eof: return ""
        case .string(let segments):
            if segments.count == 1, case .text(let bytes) = segments[0] {
                return "\"\(String(decoding: bytes, as: UTF8.self))\""
            }
            return "string"
        case .captureInt(let n): return "'&\(n)'"
        default: return token.text.isEmpty ? "'\(token.kind)'" : token.text
        }
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
        var left = try parseUnary()
        var leftIsBareUnary = startToken.isOp("not") || startToken.isOp("!")
        var chain = depth
        while true {
            guard case .op(let symbol) = current.kind, let (precedence, right) = Operators.binary[symbol],
                  precedence >= minPrecedence, symbol != "=>" else { break }
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
            let rhs: Term
            if symbol == "|", isKeywordStart(current) {
                rhs = try parseKeywordList(context: .list)
            } else {
                rhs = try parseExpression(right ? precedence : precedence + 1)
            }
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

    func parseUnary() throws(SyntaxError) -> Term {
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
                let operand = try parseUnary()
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
            let operand: Term
            if case .identifier(let name) = current.kind {
                operand = try parseIdentifier(name, current, allowAccess: false)
            } else {
                operand = try parseUnary()
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

    /// Whether `token` can begin an argument of a call written without parentheses.
    /// Whether `token` can begin an argument of a call written without parentheses. Only `(`
    /// and `[` need a space before them (`foo(1)` and `foo[1]` mean something else), and `-`/`+`
    /// need a space before and none after (`foo -1`, but `foo - 1` and `foo-1`).
    func startsNoParensArgument(_ token: Token) -> Bool {
        switch token.kind {
        case .integer, .float, .atom, .interpolatedAtom, .string, .heredoc, .charlist, .sigil, .identifier, .alias,
             .keyword, .quotedKeyword, .captureInt:
            return true
        case .reserved(let word): return word == "fn"
        case .op(let symbol):
            switch symbol {
            case "(", "[": return token.spaceBefore
            case "{": return token.spaceBefore || !inStructName
            case "<<", "%", "@", "&", "!", "^", "not", "~~~", "...": return true
            case "-", "+": return token.spaceBefore && !token.spaceAfter
            default: return false
            }
        default: return false
        }
    }

    func parseIdentifier(_ name: String, _ token: Token, allowAccess: Bool = true) throws(SyntaxError) -> Term {
        advance()
        let nameAtom = try atom(name, token)
        let next = current
        if next.isOp("(") && !next.spaceBefore {
            let outerAllowDo = allowDo
            var args = try parseCallArguments()
            if outerAllowDo, current.isReserved("do") { args.append(try parseDoBlock()) }
            return Quoted.call(nameAtom, Quoted.meta(token.line), args)
        }
        if next.isOp("[") && !next.spaceBefore {
            return Quoted.variable(nameAtom, line: token.line)
        }
        if next.isReserved("do") {
            guard allowDo else { return Quoted.variable(nameAtom, line: token.line) }
            return Quoted.call(nameAtom, Quoted.meta(token.line), [try parseDoBlock()])
        }
        if startsNoParensArgument(next) {
            let ambiguous = (next.isOp("-") || next.isOp("+"))
            let args = try parseNoParensArguments()
            let meta = ambiguous
                ? Quoted.meta([(Quoted.ambiguousOp, .nil)], line: token.line) : Quoted.meta(token.line)
            return Quoted.call(nameAtom, meta, args)
        }
        return Quoted.variable(nameAtom, line: token.line)
    }

    /// `a, b, key: value` after a call name without parentheses, plus a trailing `do` block.
    func parseNoParensArguments() throws(SyntaxError) -> [Term] {
        let outerAllowDo = allowDo
        let outerComma = commaContext
        allowDo = false
        defer { commaContext = outerComma }
        var args: [Term] = []
        do {
            if isKeywordStart(current) {
                args.append(try parseKeywordList(context: .call))
            } else {
                args.append(try parseExpression())
                while current.isOp(",") {
                    try checkAmbiguousComma(outerComma, at: current)
                    advance()
                    commaContext = .nestedCall
                    if isKeywordStart(current) {
                        args.append(try parseKeywordList(context: .call))
                        break
                    }
                    args.append(try parseExpression())
                }
            }
        } catch {
            allowDo = outerAllowDo
            throw error
        }
        allowDo = outerAllowDo
        if outerAllowDo, current.isReserved("do") { args.append(try parseDoBlock()) }
        return args
    }

    func checkAmbiguousComma(_ context: CommaContext, at token: Token) throws(SyntaxError) {
        switch context {
        case .free: return
        case .container:
            throw self.context.error(
                "unexpected comma. Parentheses are required to solve ambiguity inside containers.\n\nThis error may "
                    + "happen when you forget a comma in a list or other container:\n\n    [a, b c, d]\n\nOr when you "
                    + "have ambiguous calls:\n\n    [one, two three, four, five]\n\nIn the example above, we don't know "
                    + "if the parameters \"four\" and \"five\" belongs to the list or the function \"two\". You can "
                    + "solve this by explicitly adding parentheses:\n\n    [one, two(three, four), five]\n\nElixir "
                    + "cannot compile otherwise. Syntax error before: ','",
                line: token.line, column: 0, excerpt: false)
        case .nestedCall:
            throw self.context.error(
                "unexpected comma. Parentheses are required to solve ambiguity in nested calls.\n\nThis error happens "
                    + "when you have nested function calls without parentheses. For example:\n\n    one a, two b, c, d"
                    + "\n\nIn the example above, we don't know if the parameters \"c\" and \"d\" apply to the function "
                    + "\"one\" or \"two\". You can solve this by explicitly adding parentheses:\n\n    one a, two(b, c, d)"
                    + "\n\nOr by adding commas (in case a nested call is not intended):\n\n    one, a, two, b, c, d\n\n"
                    + "Elixir cannot compile otherwise. Syntax error before: ','",
                line: token.line, column: 0, excerpt: false)
        }
    }

    /// `( … )` after a call name: comma-separated arguments, keywords last.
    func parseCallArguments() throws(SyntaxError) -> [Term] {
        advance()
        let items = try parseSequence(closing: ")", context: .call)
        return items
    }

    // MARK: - Postfix: dots, remote calls, access

    func parsePostfix(_ base: Term) throws(SyntaxError) -> Term {
        var result = base
        var lastWasParenCall = tokens[max(index - 1, 0)].isOp(")")
        var chain = depth
        if index == doBlockEnd {
            if current.isOp(".") { throw unexpected(current) }
            return result
        }
        while true {
            let token = current
            if token.isOp(".") || token.isOp("[") || token.isOp("(") { try checkNesting(&chain, at: token) }
            if token.isOp(".") {
                advance()
                result = try parseDotted(result, dot: token)
                lastWasParenCall = tokens[max(index - 1, 0)].isOp(")")
            } else if token.isOp("[") && !token.spaceBefore {
                advance()
                let outerAllowDo = allowDo
                allowDo = true
                skipNewlines()
                let key = try parseExpression()
                allowDo = outerAllowDo
                try expect("]")
                result = Quoted.remote(.atom(Quoted.access), Atom("get"), dotLine: token.line,
                                       meta: Quoted.meta(token.line), [result, key])
                lastWasParenCall = false
            } else if token.isOp("(") && !token.spaceBefore && lastWasParenCall {
                let args = try parseCallArguments()
                result = .tuple([result, Quoted.meta(token.line), Term.list(args)])
            } else {
                return result
            }
        }
    }

    func parseDotted(_ receiver: Term, dot: Token) throws(SyntaxError) -> Term {
        let token = current
        switch token.kind {
        case .identifier(let name):
            advance()
            return try parseRemoteCall(receiver, try atom(name, token), name: token, dot: dot)
        case .op(let symbol) where Operators.binary[symbol] != nil || ["!", "^", "@", "&", "~~~", "not"].contains(symbol):
            advance()
            return try parseRemoteCall(receiver, Atom(symbol), name: token, dot: dot)
        case .alias(let name):
            advance()
            let segment = Term.atom(try atom(name, token))
            if let (head, meta, args) = Quoted.parts(receiver), head == .atom(Quoted.aliases),
               let names = args.properList {
                return Quoted.call(Quoted.aliases, meta, names + [segment])
            }
            return Quoted.call(Quoted.aliases, Quoted.meta(dot.line), [receiver, segment])
        case .op("("):
            let args = try parseCallArguments()
            return .tuple([.tuple([.atom(Quoted.dot), Quoted.meta(dot.line), Term.list([receiver])]),
                           Quoted.meta(dot.line), Term.list(args)])
        case .op("{"):
            advance()
            let items = try parseSequence(closing: "}", context: .call)
            return Quoted.remote(receiver, Atom("{}"), dotLine: dot.line, meta: Quoted.meta(dot.line), items)
        case .atom(let atom) where token.text == "true" || token.text == "false" || token.text == "nil":
            advance()
            return Quoted.remote(receiver, atom, dotLine: dot.line,
                                 meta: Quoted.meta([(Quoted.noParens, .true)], line: token.line), [])
        default:
            throw unexpected(token)
        }
    }

    /// After `receiver.name`: arguments in parentheses, without them, a `do` block, or none.
    func parseRemoteCall(_ receiver: Term, _ name: Atom, name token: Token, dot: Token) throws(SyntaxError) -> Term {
        let next = current
        if next.isOp("(") && !next.spaceBefore {
            let outerAllowDo = allowDo
            var args = try parseCallArguments()
            if outerAllowDo, current.isReserved("do") { args.append(try parseDoBlock()) }
            return Quoted.remote(receiver, name, dotLine: dot.line, meta: Quoted.meta(token.line), args)
        }
        if next.isReserved("do") && allowDo {
            return Quoted.remote(receiver, name, dotLine: dot.line, meta: Quoted.meta(token.line), [try parseDoBlock()])
        }
        if startsNoParensArgument(next) {
            let ambiguous = (next.isOp("-") || next.isOp("+"))
            let args = try parseNoParensArguments()
            let meta = ambiguous
                ? Quoted.meta([(Quoted.ambiguousOp, .nil)], line: token.line) : Quoted.meta(token.line)
            return Quoted.remote(receiver, name, dotLine: dot.line, meta: meta, args)
        }
        return Quoted.remote(receiver, name, dotLine: dot.line,
                             meta: Quoted.meta([(Quoted.noParens, .true)], line: token.line), [])
    }

    // MARK: - Containers

    enum SequenceContext {
        case call, list, map

        var keywordMisplacedMessage: String {
            switch self {
            case .call:
                "unexpected expression after keyword list. Keyword lists must always come as the last argument. "
                    + "Therefore, this is not allowed:\n\n    function_call(1, some: :option, 2)\n\nInstead, wrap the "
                    + "keyword in brackets:\n\n    function_call(1, [some: :option], 2)\n\nSyntax error after: ','"
            case .list, .map:
                "unexpected expression after keyword list. Keyword lists must always come last in lists and maps. "
                    + "Therefore, this is not allowed:\n\n    [some: :value, :another]\n    %{some: :value, another => value}"
                    + "\n\nInstead, reorder it to be the last entry:\n\n    [:another, some: :value]\n    "
                    + "%{another => value, some: :value}\n\nSyntax error after: ','"
            }
        }
    }

    /// Comma-separated expressions up to `closing` (consumed). A keyword list comes last and is
    /// one item (a call's last argument, a tuple's last element).
    func parseSequence(closing: String, context: SequenceContext) throws(SyntaxError) -> [Term] {
        let outerAllowDo = allowDo
        let outerComma = commaContext
        let outerStructName = inStructName
        allowDo = true
        commaContext = context == .call ? .free : .container
        inStructName = false
        defer {
            allowDo = outerAllowDo
            commaContext = outerComma
            inStructName = outerStructName
        }
        var items: [Term] = []
        skipNewlines()
        while !current.isOp(closing) {
            if isKeywordStart(current) {
                items.append(try parseKeywordList(context: context))
                skipNewlines()
                break
            }
            items.append(try parseExpression())
            try skipNewlinesBeforeClosing()
            guard current.isOp(",") else { break }
            advance()
            skipNewlines()
            if context == .call && current.isOp(closing) { throw unexpected(current) }
        }
        try expect(closing)
        return items
    }

    /// `key: value, …` as a list of pairs.
    func parseKeywordList(context: SequenceContext) throws(SyntaxError) -> Term {
        var pairs: [(Term, Term)] = []
        while true {
            let token = current
            let key: Term
            switch token.kind {
            case .keyword(let atom): key = .atom(atom)
            case .quotedKeyword(let segments):
                let binary = Quoted.call(Atom("<<>>"), Quoted.meta(token.line), try interpolationParts(segments))
                key = Quoted.remote(.atom(Quoted.erlang), Atom("binary_to_atom"), dotLine: token.line,
                                    meta: Quoted.meta(token.line), [binary, .atom(Atom("utf8"))])
            default: throw unexpected(token)
            }
            advance()
            let value = try parseExpression()
            pairs.append((key, value))
            guard current.isOp(",") else { break }
            let comma = current
            let next = peekToken()
            if isKeywordStart(next) {
                advance()
                continue
            }
            if next.isOp("]") || next.isOp("}") || next.isOp(")") || next.isOp(">>") {
                advance()
                break
            }
            if next.isEOL { break }
            if next.isEOF { throw unexpected(next) }
            throw self.context.error(context.keywordMisplacedMessage, line: comma.line, column: comma.column)
        }
        return Quoted.keywordList(pairs)
    }

    func parseList() throws(SyntaxError) -> Term {
        advance()
        let outerAllowDo = allowDo
        let outerComma = commaContext
        allowDo = true
        commaContext = .container
        defer {
            allowDo = outerAllowDo
            commaContext = outerComma
        }
        var items: [Term] = []
        skipNewlines()
        while !current.isOp("]") {
            if isKeywordStart(current) {
                let keywords = try parseKeywordList(context: .list)
                items.append(contentsOf: keywords.properList ?? [])
                skipNewlines()
                break
            }
            items.append(try parseExpression())
            try skipNewlinesBeforeClosing()
            guard current.isOp(",") else { break }
            advance()
            skipNewlines()
        }
        try expect("]")
        return Term.list(items)
    }

    func parseTuple() throws(SyntaxError) -> Term {
        let token = current
        advance()
        let items = try parseSequence(closing: "}", context: .list)
        if items.count == 2 { return .tuple(items) }
        return Quoted.call(Atom("{}"), Quoted.meta(token.line), items)
    }

    func parseBitstring() throws(SyntaxError) -> Term {
        let token = current
        advance()
        let items = try parseSequence(closing: ">>", context: .list)
        return Quoted.call(Atom("<<>>"), Quoted.meta(token.line), items)
    }

    /// `%{…}`, `%Name{…}`, including the update form `%{map | key: value}`.
    func parseMap() throws(SyntaxError) -> Term {
        let percent = current
        advance()
        if current.isOp("{") {
            return try parseMapBody(line: percent.line)
        }
        let outerAllowDo = allowDo
        let outerStructName = inStructName
        allowDo = false
        inStructName = true
        let name: Term
        do {
            name = try parseExpression()
        } catch {
            allowDo = outerAllowDo
            inStructName = outerStructName
            throw error
        }
        allowDo = outerAllowDo
        inStructName = outerStructName
        guard current.isOp("{") else { throw unexpected(current) }
        let body = try parseMapBody(line: current.line)
        return Quoted.call(Atom("%"), Quoted.meta(percent.line), [name, body])
    }

    func parseMapBody(line: Int) throws(SyntaxError) -> Term {
        advance()
        let outerAllowDo = allowDo
        let outerComma = commaContext
        let outerStructName = inStructName
        allowDo = true
        commaContext = .container
        inStructName = false
        defer {
            allowDo = outerAllowDo
            commaContext = outerComma
            inStructName = outerStructName
        }
        skipNewlines()
        var entries: [Term] = []
        if !current.isOp("}") && !isKeywordStart(current) {
            let first = try parseExpression(Operators.binary["=>"]!.precedence + 1)
            skipNewlines()
            if current.isOp("|") {
                let bar = current
                advance()
                skipNewlines()
                let updates = try parseMapEntries(update: true)
                entries = [Quoted.call(Atom("|"), Quoted.meta(bar.line), [first, Term.list(updates)])]
                try expect("}")
                return Quoted.call(Atom("%{}"), Quoted.meta(line), entries)
            }
            if current.isOp("=>") {
                advance()
                entries.append(.tuple([first, try parseExpression()]))
            } else if Parser.isOperatorCall(first) {
                throw unexpected(current)
            } else {
                entries.append(first)
            }
            skipNewlines()
            if current.isOp(",") {
                advance()
                skipNewlines()
                if !current.isOp("}") { entries.append(contentsOf: try parseMapEntries()) }
            }
        } else if !current.isOp("}") {
            entries = try parseMapEntries()
        }
        try expect("}")
        return Quoted.call(Atom("%{}"), Quoted.meta(line), entries)
    }

    /// `k => v, …, key: value` inside a map, as pairs.
    func parseMapEntries(update: Bool = false) throws(SyntaxError) -> [Term] {
        var entries: [Term] = []
        while !current.isOp("}") {
            if isKeywordStart(current) {
                entries.append(contentsOf: try parseKeywordList(context: .map).properList ?? [])
                skipNewlines()
                break
            }
            let key = try parseExpression(update ? 0 : Operators.binary["=>"]!.precedence + 1)
            skipNewlines()
            if current.isOp("=>") {
                advance()
                entries.append(.tuple([key, try parseExpression()]))
            } else if Parser.isOperatorCall(key) {
                throw unexpected(current)
            } else {
                entries.append(key)
            }
            skipNewlines()
            guard current.isOp(",") else { break }
            advance()
            skipNewlines()
        }
        return entries
    }

    /// `a = 1` and the like: not allowed as a map entry without `=>`.
    static func isOperatorCall(_ term: Term) -> Bool {
        guard let (head, _, args) = Quoted.parts(term), case .atom(let name) = head,
              let list = args.properList, list.count == 2 else { return false }
        return Operators.binary[name.text] != nil
    }

    // MARK: - Strings

    func buildString(_ segments: [Segment], line: Int) throws(SyntaxError) -> Term {
        if segments.count == 1, case .text(let bytes) = segments[0] { return .binary(bytes) }
        return Quoted.call(Atom("<<>>"), Quoted.meta(line), try interpolationParts(segments))
    }

    func interpolationParts(_ segments: [Segment]) throws(SyntaxError) -> [Term] {
        var parts: [Term] = []
        for segment in segments {
            switch segment {
            case .text(let bytes):
                parts.append(.binary(bytes))
            case .interpolation(let tokens, let line):
                let expr = try parseInterpolation(tokens)
                let toString = Quoted.remote(.atom(Quoted.kernel), Atom("to_string"), dotLine: line,
                                             meta: Quoted.meta(line), [expr])
                parts.append(Quoted.call(Atom("::"), Quoted.meta(line), [toString, Quoted.variable(Atom("binary"), line: line)]))
            }
        }
        return parts
    }

    func parseInterpolation(_ tokens: [Token]) throws(SyntaxError) -> Term {
        let inner = Parser(tokens: tokens, context: context, isInterpolation: true, depth: depth + 1)
        return try inner.parseProgram()
    }

    func buildCharlist(_ segments: [Segment], line: Int) throws(SyntaxError) -> Term {
        if segments.count == 1, case .text(let bytes) = segments[0] {
            return Term.list(String(decoding: bytes, as: UTF8.self).unicodeScalars.map { .int(Int($0.value)) })
        }
        var parts: [Term] = []
        for segment in segments {
            switch segment {
            case .text(let bytes):
                parts.append(.binary(bytes))
            case .interpolation(let tokens, let line):
                let expr = try parseInterpolation(tokens)
                parts.append(Quoted.remote(.atom(Quoted.kernel), Atom("to_string"), dotLine: line,
                                           meta: Quoted.meta(line), [expr]))
            }
        }
        return Quoted.remote(.atom(Quoted.list), Atom("to_charlist"), dotLine: line, meta: Quoted.meta(line),
                             [Term.list(parts)])
    }
}
