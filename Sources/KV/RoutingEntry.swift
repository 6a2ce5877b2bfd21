import ETF

/// One `{enumerable, node}` entry of a `RoutingTable`, checked.
struct RoutingEntry: Sendable {
    /// What `first in enum` tests against.
    enum Members: Sendable {
        /// An Elixir range: members are `first + k * step` between `first` and `last`, as `in` counts them.
        case range(first: Int, last: Int, step: Int)
        case list(Set<Int>)

        func contains(_ value: Int) -> Bool {
            switch self {
            case let .range(first, last, step):
                // Wide arithmetic: the bounds may be anywhere in Int's range.
                let (value, first, last, step) = (Int128(value), Int128(first), Int128(last), Int128(step))
                if step > 0 { return first <= value && value <= last && (value - first) % step == 0 }
                return last <= value && value <= first && (first - value) % -step == 0
            case .list(let members):
                return members.contains(value)
            }
        }
    }

    let members: Members
    let node: Atom

    init(members: Members, node: Atom) {
        self.members = members
        self.node = node
    }

    /// - Parameter index: the entry's place in the table (from 0), for errors.
    init(_ term: Term, at index: Int) throws(RoutingTableError) {
        guard case .tuple(let parts) = term, parts.count == 2 else { throw .notAnEntry(index: index, entry: term) }
        guard case .atom(let node) = parts[1] else { throw .nodeNotAnAtom(index: index, node: parts[1]) }
        self.node = node
        members = try Self.members(parts[0], at: index)
    }

    private static func members(_ term: Term, at index: Int) throws(RoutingTableError) -> Members {
        if case .map(let map) = term, map[.atom(.structField)] == .atom(.elixirRange) {
            return try range(map, term, at: index)
        }
        guard let list = term.properList else { throw .notEnumerable(index: index, value: term) }
        var members = Set<Int>()
        for element in list {
            // A member that is not a small integer could never equal a byte; it is a mistake.
            guard case .int(let value) = element else { throw .listMemberNotAnInteger(index: index, member: element) }
            members.insert(value)
        }
        return .list(members)
    }

    /// A `Range` struct: integer bounds and a non-zero integer step; a range without `step`
    /// (built before Elixir 1.12) steps by 1 or -1, as Elixir still reads it.
    private static func range(_ map: TermMap, _ term: Term, at index: Int) throws(RoutingTableError) -> Members {
        guard case .int(let first)? = map[.atom(.first)], case .int(let last)? = map[.atom(.last)] else {
            throw .badRange(index: index, range: term, problem: "first and last must be integers")
        }
        let step: Int
        switch map[.atom(.step)] {
        case nil: step = first <= last ? 1 : -1
        case .int(let value)?: step = value
        default: throw .badRange(index: index, range: term, problem: "step must be an integer")
        }
        guard step != 0 else { throw .badRange(index: index, range: term, problem: "step must not be zero") }
        return .range(first: first, last: last, step: step)
    }
}
