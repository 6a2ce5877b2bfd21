/// The order in which erl writes the keys of a small map (up to 32 keys), so kvsh's bytes match.
///
/// It is Erlang's term order with one change: every integer sorts before every float, whatever
/// their values (`#{1.5 => a, 2 => b}` is written and printed as `#{2 => b, 1.5 => a}`), and this
/// holds inside tuples and lists too. `TermMap.sortedEntries` orders by value instead, so it
/// cannot be used here.
///
/// Pids and ports follow what OTP 25 was seen to do, which `Term.compare` does not yet: pids by
/// serial, number, node, creation (the node is not first); ports by node, creation, number.
enum MapKeyOrder {
    static func sorted(_ map: TermMap) -> [(key: Term, value: Term)] {
        map.storage.sorted { compare($0.key, $1.key) < 0 }
    }

    /// Negative, zero or positive. Recurses through tuple and list keys only: keys are small.
    static func compare(_ a: Term, _ b: Term) -> Int {
        switch (a, b) {
        case (.float, .int), (.float, .bigInteger): return 1
        case (.int, .float), (.bigInteger, .float): return -1
        case let (.pid(x), .pid(y)):
            if x.serial != y.serial { return x.serial < y.serial ? -1 : 1 }
            if x.id != y.id { return x.id < y.id ? -1 : 1 }
            if x.node != y.node { return Term.compare(.atom(x.node), .atom(y.node)) }
            return x.creation == y.creation ? 0 : (x.creation < y.creation ? -1 : 1)
        case let (.port(x), .port(y)):
            if x.node != y.node { return Term.compare(.atom(x.node), .atom(y.node)) }
            if x.creation != y.creation { return x.creation < y.creation ? -1 : 1 }
            return x.id == y.id ? 0 : (x.id < y.id ? -1 : 1)
        case let (.tuple(x), .tuple(y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            for (p, q) in zip(x, y) {
                let order = compare(p, q)
                if order != 0 { return order }
            }
            return 0
        case (.cons, .cons):
            var left = a
            var right = b
            while case .cons(let x) = left, case .cons(let y) = right {
                let order = compare(x.head, y.head)
                if order != 0 { return order }
                left = x.tail
                right = y.tail
            }
            return compare(left, right)
        default:
            return Term.compare(a, b, exact: true)
        }
    }
}
