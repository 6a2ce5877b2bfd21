import ETF

/// Calls: local and remote, with and without parentheses, `do` blocks, `.` and `[]` postfixes.
extension Parser {
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
            case "-", "+":
                // `foo -x` passes `-x` to foo, but `foo -(1)`, `foo -[1]`, `foo -{}`, `foo -%{}` and `foo -:a` subtract.
                guard token.spaceBefore && !token.spaceAfter, let following = tokens.indices.contains(index + 1)
                    ? tokens[index + 1] : nil else { return false }
                if ["(", "[", "{", "<<", "%"].contains(where: following.isOp) { return false }
                if case .atom = following.kind, following.text.hasPrefix(":") { return false }
                return true
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
        if next.isReserved("do") && !next.newlineBefore {
            guard allowDo else { return Quoted.variable(nameAtom, line: token.line) }
            return Quoted.call(nameAtom, Quoted.meta(token.line), [try parseDoBlock()])
        }
        if startsNoParensArgument(next) {
            let ambiguous = (next.isOp("-") || next.isOp("+"))
            let args = try parseNoParensArguments()
            let meta = ambiguous && args.count == 1
                ? Quoted.meta([(Quoted.ambiguousOp, .nil)], line: token.line) : Quoted.meta(token.line)
            return Quoted.call(nameAtom, meta, args)
        }
        return Quoted.variable(nameAtom, line: token.line)
    }

    /// `a, b, key: value` after a call name without parentheses, plus a trailing `do` block.
    func parseNoParensArguments() throws(SyntaxError) -> [Term] {
        let outer = scope
        let outerAllowDo = outer.allowDo
        let outerComma = outer.commaContext
        allowDo = false
        var args: [Term] = []
        // An ambiguous comma is forgiven when the call ends in a `do` block, as Elixir does.
        var ambiguity: SyntaxError?
        do {
            if isKeywordStart(current) {
                commaContext = .free
                args.append(try parseKeywordList(context: .call))
            } else {
                args.append(try parseExpression())
                while current.isOp(",") {
                    if ambiguity == nil {
                        do {
                            try checkAmbiguousComma(outerComma, at: current)
                        } catch {
                            ambiguity = error
                        }
                    }
                    advance()
                    commaContext = .nestedCall
                    if isKeywordStart(current) {
                        commaContext = .free
                        args.append(try parseKeywordList(context: .call))
                        break
                    }
                    args.append(try parseExpression())
                }
            }
        } catch {
            scope = outer
            throw error
        }
        scope = outer
        if outerAllowDo, current.isReserved("do") {
            args.append(try parseDoBlock())
        } else if let ambiguity {
            throw ambiguity
        }
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
                let outer = enter(.container)
                skipNewlines()
                let key: Term
                do {
                    key = try parseExpression()
                } catch {
                    scope = outer
                    throw error
                }
                scope = outer
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
        if next.isReserved("do") && allowDo && !next.newlineBefore {
            return Quoted.remote(receiver, name, dotLine: dot.line, meta: Quoted.meta(token.line), [try parseDoBlock()])
        }
        if startsNoParensArgument(next) {
            // Unlike a local call, a remote one never records `ambiguous_op` for `Mod.f -x`.
            let args = try parseNoParensArguments()
            return Quoted.remote(receiver, name, dotLine: dot.line, meta: Quoted.meta(token.line), args)
        }
        return Quoted.remote(receiver, name, dotLine: dot.line,
                             meta: Quoted.meta([(Quoted.noParens, .true)], line: token.line), [])
    }
}
