import ETF

/// Blocks: parentheses, `fn … end`, `do … end` with its sections, and `->` clauses.
extension Parser {
    static let sectionWords: Set<String> = ["else", "after", "catch", "rescue"]

    func isTerminator(_ token: Token, _ terminators: Set<String>) -> Bool {
        switch token.kind {
        case .reserved(let word): return terminators.contains(word)
        case .op(let symbol): return terminators.contains(symbol)
        case .eof: return true
        default: return false
        }
    }

    /// `( … )`: nothing is an empty block, one expression is itself, several are a block.
    func parseParens() throws(SyntaxError) -> Term {
        let open = current
        advance()
        let outer = enter(.block)
        defer { scope = outer }
        var exprs: [Term] = []
        let semicolonFirst = current.isOp(";")
        skipSeparators()
        if current.isOp("->") || parenthesizedHeadAhead() {
            let clauses = try parseStabClauses(terminators: [")"], pending: nil)
            try expect(")")
            return Term.list(clauses)
        }
        while !current.isOp(")") {
            let expr = try parseExpression()
            if exprs.isEmpty && (current.isOp("->") || current.isOp(",")) {
                let clauses = try parseStabClauses(terminators: [")"], pending: expr)
                try expect(")")
                return Term.list(clauses)
            }
            exprs.append(expr)
            guard current.isEOL || current.isOp(")") else { throw unexpected(current) }
            skipSeparators()
        }
        advance()
        // `()` is an empty block without metadata, `(;)` one with a line, as in Elixir.
        if exprs.isEmpty { return Quoted.buildBlock([], meta: semicolonFirst ? Quoted.meta(open.line) : .emptyList) }
        return Quoted.buildBlock(exprs, meta: Quoted.meta(open.line))
    }

    func parseFn() throws(SyntaxError) -> Term {
        let token = current
        let hasArrow = arrowBeforeEnd()
        advance()
        guard hasArrow else {
            // Elixir reads the body first: a syntax error in it wins over the missing `->`.
            skipSeparators()
            while !current.isReserved("end") {
                _ = try parseExpression()
                guard current.isEOL || current.isReserved("end") else { throw unexpected(current) }
                skipSeparators()
            }
            throw context.error(
                "expected anonymous functions to be defined with -> inside: 'fn'", line: token.line, column: token.column)
        }
        let outer = enter(.block)
        defer { scope = outer }
        skipSeparators()
        let clauses = try parseStabClauses(terminators: ["end"], pending: nil)
        guard current.isReserved("end") else { throw unexpected(current) }
        advance()
        return Quoted.call(Atom("fn"), Quoted.meta(token.line), clauses)
    }

    /// Whether the `fn` at the current token has a `->` of its own before its `end`.
    func arrowBeforeEnd() -> Bool {
        var level = 0
        var offset = 1
        while index + offset < tokens.count {
            let token = tokens[index + offset]
            switch token.kind {
            case .reserved("fn"), .reserved("do"): level += 1
            case .reserved("end"):
                if level == 0 { return false }
                level -= 1
            case .op("->") where level == 0: return true
            case .eof: return true
            default: break
            }
            offset += 1
        }
        return true
    }

    /// `do … end` with `else`/`after`/`catch`/`rescue` sections, as `[do: …, else: …]`.
    func parseDoBlock() throws(SyntaxError) -> Term {
        let block = try parseDoBlockSections()
        scope.sawDoBlock = true
        return block
    }

    func parseDoBlockSections() throws(SyntaxError) -> Term {
        advance()
        let outer = enter(.block)
        defer { scope = outer }
        var sections: [(Term, Term)] = []
        var key = "do"
        let terminators = Parser.sectionWords.union(["end"])
        while true {
            let body = try parseSectionBody(terminators: terminators)
            sections.append((.atom(Atom(key)), body))
            guard case .reserved(let word) = current.kind else { throw unexpected(current) }
            advance()
            if word == "end" {
                doBlockEnd = index
                break
            }
            key = word
        }
        return Quoted.keywordList(sections)
    }

    /// A section is either `->` clauses or a plain block, told apart by its first expression.
    func parseSectionBody(terminators: Set<String>) throws(SyntaxError) -> Term {
        skipSeparators()
        if isTerminator(current, terminators) { return Quoted.buildBlock([]) }
        if current.isOp("->") || parenthesizedHeadAhead() {
            return Term.list(try parseStabClauses(terminators: terminators, pending: nil))
        }
        scope.sawDoBlock = false
        let first = try parseExpression()
        if current.isOp("->") || current.isOp(",") {
            return Term.list(try parseStabClauses(terminators: terminators, pending: first))
        }
        var exprs = [first]
        while true {
            if current.isOp("->") {
                throw context.error(
                    "unexpected operator ->. If you want to define multiple clauses, the first expression must use ->. "
                        + "Syntax error before: '->'",
                    line: current.line, column: 0, excerpt: false)
            }
            guard current.isEOL || isTerminator(current, terminators) else { throw unexpected(current) }
            skipSeparators()
            if isTerminator(current, terminators) { break }
            exprs.append(try parseExpression())
        }
        return Quoted.buildBlock(exprs)
    }

    /// `(a, b) ->` or `() ->`: a clause head in parentheses.
    func parenthesizedHeadAhead() -> Bool {
        guard current.isOp("(") else { return false }
        var level = 0
        var offset = 0
        while index + offset < tokens.count {
            let token = tokens[index + offset]
            if token.isOp("(") { level += 1 }
            if token.isOp(")") {
                level -= 1
                if level == 0 {
                    let after = peekToken(offset + 1)
                    return after.isOp("->") || after.isOp("when")
                }
            }
            if token.isEOF { return false }
            offset += 1
        }
        return false
    }

    /// `head -> body` clauses until a terminator; `pending` is a first head expression already read.
    func parseStabClauses(terminators: Set<String>, pending: Term?) throws(SyntaxError) -> [Term] {
        var clauses: [Term] = []
        var head: [Term]? = pending.map { [$0] }
        while true {
            if head == nil {
                skipSeparators()
                if isTerminator(current, terminators) { break }
                if current.isOp("->") {
                    head = []
                } else if parenthesizedHeadAhead() {
                    advance()
                    var items = try parseSequence(closing: ")", context: .call)
                    if current.isOp("when") {
                        let whenToken = current
                        advance()
                        let guardExpr = try parseExpression(Operators.binary["when"]!.precedence)
                        items = [Quoted.call(Atom("when"), Quoted.meta(whenToken.line), items + [guardExpr])]
                    }
                    head = items
                } else {
                    scope.sawDoBlock = false
                    head = [try parseExpression()]
                }
            }
            var args = head ?? []
            head = nil
            while current.isOp(",") {
                advance()
                if isKeywordStart(current) {
                    args.append(try parseKeywordList(context: .call))
                } else {
                    args.append(try parseExpression())
                }
            }
            // A clause head cannot end in a `do … end` block.
            guard current.isOp("->"), !scope.sawDoBlock else { throw unexpected(current) }
            let arrow = current
            advance()
            var body: [Term] = []
            while true {
                let separated = current.isEOL
                skipSeparators()
                if isTerminator(current, terminators) { break }
                if current.isOp("->") { throw unexpected(current) }
                if separated && parenthesizedHeadAhead() { break }
                scope.sawDoBlock = false
                let expr = try parseExpression()
                if current.isOp("->") || current.isOp(",") {
                    guard separated else { throw unexpected(current) }
                    head = [expr]
                    break
                }
                body.append(expr)
                guard current.isEOL || isTerminator(current, terminators) else { throw unexpected(current) }
            }
            let bodyTerm: Term = body.isEmpty ? .nil : Quoted.buildBlock(body)
            clauses.append(Quoted.call(Atom("->"), Quoted.meta(arrow.line), [Term.list(stabHead(args)), bodyTerm]))
            if head == nil {
                skipSeparators()
                if isTerminator(current, terminators) { break }
            }
        }
        return clauses
    }

    /// `a, b when g` is written as one `when` over all the arguments: `[{:when, _, [a, b, g]}]`.
    func stabHead(_ args: [Term]) -> [Term] {
        guard args.count > 1, let last = args.last, let (head, meta, whenArgs) = Quoted.parts(last),
              head == .atom(Atom("when")), let pair = whenArgs.properList, pair.count == 2 else { return args }
        return [Quoted.call(Atom("when"), meta, Array(args.dropLast()) + pair)]
    }
}
