import ETF

/// One of the guide's bucket operations given as `{Map, function, args}`, which `Agent` applies as
/// `apply(Map, function, [state | args])`: run here directly, so the store's common path never
/// goes through the interpreter. Anything else a bucket is asked to run is the code runner's.
struct MapCall {
    enum Function {
        /// `Map.get(state, key)` / `Map.get(state, key, default)`.
        case get
        /// `Map.put(state, key, value)`.
        case put
        /// `Map.delete(state, key)`.
        case delete
        /// `Map.pop(state, key)` / `Map.pop(state, key, default)`: `{value, state_without_key}`.
        case pop
    }

    let function: Function
    let key: Term
    /// The value to put, or the default for a missing key (`nil` unless given).
    let argument: Term

    /// Recognises `{Map, :get | :put | :delete | :pop, args}` with the arities Elixir defines;
    /// nil for any other function term, which then runs in the interpreter.
    init?(_ fun: Term) {
        guard case .tuple(let parts) = fun, parts.count == 3, parts[0] == .atom(.elixirMap),
              case .atom(let name) = parts[1], let args = parts[2].properList, let key = args.first else { return nil }
        switch (name, args.count) {
        case (.get, 1), (.get, 2): function = .get
        case (.put, 2): function = .put
        case (.delete, 1): function = .delete
        case (.pop, 1), (.pop, 2): function = .pop
        default: return nil
        }
        self.key = key
        argument = args.count > 1 ? args[1] : .nil
    }

    /// The call's value with `map` as the state. `put`, `delete` and `pop` change `map` itself, in
    /// place when the caller owns the only copy of its storage (a bucket hands over its state).
    func apply(to map: inout TermMap) -> Term {
        switch function {
        case .get:
            return map[key] ?? argument
        case .put:
            map[key] = argument
            return .map(map)
        case .delete:
            map.storage.removeValue(forKey: key)
            return .map(map)
        case .pop:
            let value = map.storage.removeValue(forKey: key) ?? argument
            return .tuple([value, .map(map)])
        }
    }
}
