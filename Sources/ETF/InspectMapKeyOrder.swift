/// The order the BEAM keeps a small map's keys in, which is the order they print in.
///
/// It is Erlang's term order except that any integer sorts before any float, at every depth
/// (`%{2 => a, 1.5 => b}` prints the 2 first): maps compare keys by type before value. Maps
/// within keys compare by size, then their keys, then their values, all in this order.
enum InspectMapKeyOrder {
    static func sorted(_ map: TermMap, atoms: InspectAtomCache) -> [(key: Term, value: Term)] {
        map.storage.sorted { compare($0.key, $1.key, atoms: atoms) < 0 }
    }

    static func compare(_ a: Term, _ b: Term, atoms: InspectAtomCache) -> Int {
        switch (a, b) {
        case let (.atom(x), .atom(y)): return atoms.compare(x, y)
        case (.int, .float), (.bigInteger, .float): return -1
        case (.float, .int), (.float, .bigInteger): return 1
        case let (.tuple(x), .tuple(y)) where x.count == y.count:
            for (p, q) in zip(x, y) {
                let order = compare(p, q, atoms: atoms)
                if order != 0 { return order }
            }
            return 0
        case (.cons, .cons):
            var left = a
            var right = b
            while case .cons(let x) = left, case .cons(let y) = right {
                let order = compare(x.head, y.head, atoms: atoms)
                if order != 0 { return order }
                left = x.tail
                right = y.tail
            }
            return compare(left, right, atoms: atoms)
        case let (.map(x), .map(y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            let (left, right) = (sorted(x, atoms: atoms), sorted(y, atoms: atoms))
            for (p, q) in zip(left, right) {
                let order = compare(p.key, q.key, atoms: atoms)
                if order != 0 { return order }
            }
            for (p, q) in zip(left, right) {
                let order = compare(p.value, q.value, atoms: atoms)
                if order != 0 { return order }
            }
            return 0
        default:
            return Term.compare(a, b, exact: true)
        }
    }
}
