import ETF

/// Builders for Elixir's quoted form: `{name, meta, args}` triples, keyword lists, blocks.
enum Quoted {
    static let lineKey = Atom("line")
    static let noParens = Atom("no_parens")
    static let ambiguousOp = Atom("ambiguous_op")
    static let delimiterKey = Atom("delimiter")
    static let block = Atom("__block__")
    static let aliases = Atom("__aliases__")
    static let dot = Atom(".")
    static let access = Atom("Elixir.Access")
    static let kernel = Atom("Elixir.Kernel")
    static let list = Atom("Elixir.List")
    static let erlang = Atom("erlang")

    /// `[line: n]`, the metadata Elixir attaches by default.
    static func meta(_ line: Int) -> Term {
        Term.list([.tuple([.atom(lineKey), .int(line)])])
    }

    static func meta(_ pairs: [(Atom, Term)], line: Int) -> Term {
        Term.list(pairs.map { .tuple([.atom($0.0), $0.1]) } + [.tuple([.atom(lineKey), .int(line)])])
    }

    static func call(_ name: Atom, _ meta: Term, _ args: [Term]) -> Term {
        .tuple([.atom(name), meta, Term.list(args)])
    }

    static func call(_ name: String, line: Int, _ args: [Term]) -> Term {
        call(Atom(name), meta(line), args)
    }

    static func variable(_ name: Atom, line: Int) -> Term {
        .tuple([.atom(name), meta(line), .nil])
    }

    /// `{{:., meta, [receiver, name]}, meta, args}`: a remote call.
    static func remote(_ receiver: Term, _ name: Atom, dotLine: Int, meta callMeta: Term, _ args: [Term]) -> Term {
        .tuple([.tuple([.atom(dot), meta(dotLine), Term.list([receiver, .atom(name)])]), callMeta, Term.list(args)])
    }

    static func keywordList(_ pairs: [(Term, Term)]) -> Term {
        Term.list(pairs.map { .tuple([$0.0, $0.1]) })
    }

    /// Elixir's `build_block`: no expression is an empty block, one is itself (except a lone
    /// `not`/`!`/`unquote_splicing`, which Elixir keeps wrapped), several are a `__block__`.
    static func buildBlock(_ exprs: [Term], meta: Term = .emptyList) -> Term {
        if exprs.count == 1 {
            if case .tuple(let parts) = exprs[0], parts.count == 3, case .atom(let name) = parts[0],
               name == Atom("not") || name == Atom("!") || name == Atom("unquote_splicing"),
               let args = parts[2].properList, args.count == 1 {
                return .tuple([.atom(block), meta, Term.list(exprs)])
            }
            return exprs[0]
        }
        return .tuple([.atom(block), meta, Term.list(exprs)])
    }

    /// The call triple's parts, if `term` is one: `(name or callee, meta, args or nil)`.
    static func parts(_ term: Term) -> (head: Term, meta: Term, args: Term)? {
        guard case .tuple(let items) = term, items.count == 3, items[1].isList else { return nil }
        return (items[0], items[1], items[2])
    }

    static func isCall(_ term: Term, named name: String) -> Bool {
        guard let (head, _, _) = parts(term), case .atom(let atom) = head else { return false }
        return atom == Atom(name)
    }
}
