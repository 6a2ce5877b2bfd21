import ETF

/// The atoms the store's processes match on, interned once rather than per message.
extension Atom {
    static let system = Atom("system")
    static let get = Atom("get")
    static let update = Atom("update")
    static let getAndUpdate = Atom("get_and_update")
    static let cast = Atom("cast")
    static let terminate = Atom("terminate")
    static let getState = Atom("get_state")
    static let create = Atom("create")
    static let lookup = Atom("lookup")
    static let put = Atom("put")
    static let delete = Atom("delete")
    static let pop = Atom("pop")
    static let erlang = Atom("erlang")
    static let apply = Atom("apply")
    static let elixirMap = Atom("Elixir.Map")
    static let elixirRange = Atom("Elixir.Range")
    static let first = Atom("first")
    static let last = Atom("last")
    static let step = Atom("step")
}
