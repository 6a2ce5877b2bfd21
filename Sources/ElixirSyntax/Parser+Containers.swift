import ETF

/// Lists, tuples, bitstrings, maps and structs, keyword lists.
extension Parser {
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
        let outer = enter(context == .call ? .block : .container)
        defer { scope = outer }
        var items: [Term] = []
        skipNewlines()
        while !current.isOp(closing) {
            // A tuple may end in keywords (`{:ok, name: x}`) but not start with them.
            if closing == "}" && items.isEmpty && isKeywordStart(current) { _ = try parsePrimary() }
            if isKeywordStart(current) {
                // Keyword values inside brackets or parentheses may not hold an unparenthesized call with commas.
                commaContext = .container
                items.append(try parseKeywordList(context: context))
                skipNewlines()
                break
            }
            if context == .call && !items.isEmpty { commaContext = .nestedCall }
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
            if case .reserved = next.kind { throw unexpected(next) }
            if next.isEOF { throw unexpected(next) }
            throw self.context.error(context.keywordMisplacedMessage, line: comma.line, column: comma.column)
        }
        return Quoted.keywordList(pairs)
    }

    func parseList() throws(SyntaxError) -> Term {
        advance()
        let outer = enter(.container)
        defer { scope = outer }
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
        if current.isOp("(") && !current.spaceBefore {
            throw context.error(
                "expected %{ to define a map, got: %(", line: percent.line, column: percent.column)
        }
        if current.isOp("{") {
            return try parseMapBody(line: percent.line)
        }
        let outer = enter(Scope(allowDo: false, commaContext: scope.commaContext, inStructName: true))
        let name: Term
        do {
            name = try parseExpression()
        } catch {
            scope = outer
            throw error
        }
        scope = outer
        guard current.isOp("{") else { throw unexpected(current) }
        let body = try parseMapBody(line: current.line)
        return Quoted.call(Atom("%"), Quoted.meta(percent.line), [name, body])
    }

    func parseMapBody(line: Int) throws(SyntaxError) -> Term {
        advance()
        let outer = enter(.container)
        defer { scope = outer }
        skipNewlines()
        var entries: [Term] = []
        if !current.isOp("}") && !isKeywordStart(current) {
            let first = try parseMapKey()
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
            let key = update ? try parseExpression() : try parseMapKey()
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

    /// A map key: any expression up to `=>`, except that `|` starts the update form.
    func parseMapKey() throws(SyntaxError) -> Term {
        let outer = inMapKey
        inMapKey = true
        defer { inMapKey = outer }
        return try parseExpression()
    }

    /// `a = 1` and the like: not allowed as a map entry without `=>`.
    static func isOperatorCall(_ term: Term) -> Bool {
        guard let (head, _, args) = Quoted.parts(term), case .atom(let name) = head,
              let list = args.properList, list.count == 2 else { return false }
        return Operators.binary[name.text] != nil
    }
}
