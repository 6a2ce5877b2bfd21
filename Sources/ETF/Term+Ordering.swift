import BigInt

/// Erlang's two equalities and its total term order.
///
/// Swift's `==` on `Term` is Erlang's `=:=` (exact: `1 =:= 1.0` is false), because that is the
/// equality of map keys and pattern matching. Erlang's `==` is `Term.looselyEquals`.
/// Order: number < atom < reference < fun < port < pid < tuple < map < list < bitstring.
extension Term: Hashable {
    public static func == (a: Term, b: Term) -> Bool {
        // The common cases without the order's machinery: two atoms are equal by their index
        // (ordering them needs their text, behind the atom table's lock).
        switch (a, b) {
        case let (.atom(x), .atom(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.pid(x), .pid(y)): x == y
        case let (.reference(x), .reference(y)): x == y
        case let (.binary(x), .binary(y)): x == y
        case (.emptyList, .emptyList): true
        case let (.tuple(x), .tuple(y)): x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
        default: compare(a, b, exact: true) == 0
        }
    }

    /// Erlang's `==`: numbers compare by value, so `1 == 1.0`.
    public static func looselyEquals(_ a: Term, _ b: Term) -> Bool { compare(a, b, exact: false) == 0 }

    public func hash(into hasher: inout Hasher) {
        var current = self
        while true {
            switch current {
            case .atom(let atom): hasher.combine(atom)
            case .int(let value): hasher.combine(value)
            case .bigInteger(let value): hasher.combine(value.value)
            // 0.0 =:= -0.0 in OTP 25, so both must hash alike.
            case .float(let value): hasher.combine(value == 0 ? 0.0 : value)
            case .binary(let bytes): hasher.combine(bytes)
            case .bitstring(let bits): hasher.combine(bits)
            case .emptyList: hasher.combine(0xE0)
            case .cons(let cell):
                hasher.combine(0xC0)
                hasher.combine(cell.head)
                current = cell.tail
                continue
            case .tuple(let elements): hasher.combine(elements)
            case .map(let map): hasher.combine(map.storage)
            case .pid(let pid): hasher.combine(pid)
            case .reference(let ref): hasher.combine(ref)
            case .port(let port): hasher.combine(port)
            case .fun(let fun): hasher.combine(fun)
            }
            return
        }
    }

    /// The class rank of Erlang's term order.
    var orderClass: Int {
        switch self {
        case .int, .bigInteger, .float: 0
        case .atom: 1
        case .reference: 2
        case .fun: 3
        case .port: 4
        case .pid: 5
        case .tuple: 6
        case .map: 7
        case .emptyList, .cons: 8
        case .binary, .bitstring: 9
        }
    }

    /// Erlang's term order: negative, zero or positive.
    /// - Parameter exact: when true, the order of map keys (`=:=` equality): every integer sorts
    ///   before every float, whatever their values, as the BEAM keeps and prints map keys; when
    ///   false numbers compare by value and `1 == 1.0`, as `==` and `<` see them.
    public static func compare(_ a: Term, _ b: Term, exact: Bool = false) -> Int {
        var a = a
        var b = b
        while true {
            let classA = a.orderClass
            let classB = b.orderClass
            if classA != classB { return classA < classB ? -1 : 1 }
            switch (a, b) {
            case let (.cons(x), .cons(y)):
                if x === y { return 0 }
                let head = compare(x.head, y.head, exact: exact)
                if head != 0 { return head }
                a = x.tail
                b = y.tail
                continue
            case (.emptyList, .emptyList): return 0
            case (.emptyList, _): return -1
            case (_, .emptyList): return 1
            default:
                return compareSameClass(a, b, exact: exact)
            }
        }
    }

    private static func compareSameClass(_ a: Term, _ b: Term, exact: Bool) -> Int {
        switch (a, b) {
        case let (.atom(x), .atom(y)):
            return x == y ? 0 : ordered(x.text.unicodeScalars.lazy.map(\.value), y.text.unicodeScalars.lazy.map(\.value))
        case let (.reference(x), .reference(y)):
            if x == y { return 0 }
            return compareIdentifiers(x.node, y.node, [x.creation] + x.words.reversed(), [y.creation] + y.words.reversed())
        case let (.port(x), .port(y)):
            // OTP 25: node, then creation, then number.
            return compareIdentifiers(x.node, y.node, [x.creation, UInt32(truncatingIfNeeded: x.id >> 32), UInt32(truncatingIfNeeded: x.id)],
                                      [y.creation, UInt32(truncatingIfNeeded: y.id >> 32), UInt32(truncatingIfNeeded: y.id)])
        case let (.pid(x), .pid(y)):
            // OTP 25: serial, number, then node, then creation.
            if x == y { return 0 }
            let numbers = ordered([x.serial, x.id], [y.serial, y.id])
            if numbers != 0 { return numbers }
            return compareIdentifiers(x.node, y.node, [x.creation], [y.creation])
        case let (.fun(x), .fun(y)):
            return compareFuns(x, y)
        case let (.tuple(x), .tuple(y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            for (p, q) in zip(x, y) {
                let c = compare(p, q, exact: exact)
                if c != 0 { return c }
            }
            return 0
        case let (.map(x), .map(y)):
            return compareMaps(x, y, exact: exact)
        case (.binary, _), (.bitstring, _):
            return compareBits(a, b)
        default:
            return compareNumbers(a, b, exact: exact)
        }
    }

    private static func ordered<S: Sequence>(_ x: S, _ y: S) -> Int where S.Element: Comparable {
        var left = x.makeIterator()
        var right = y.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (p?, q?): if p != q { return p < q ? -1 : 1 }
            }
        }
    }

    private static func compareIdentifiers(_ nodeA: Atom, _ nodeB: Atom, _ a: [UInt32], _ b: [UInt32]) -> Int {
        if nodeA != nodeB {
            return compare(.atom(nodeA), .atom(nodeB))
        }
        return ordered(a, b)
    }

    private static func compareFuns(_ a: Fun, _ b: Fun) -> Int {
        if a == b { return 0 }
        func key(_ fun: Fun) -> (Int, String, Int) {
            switch fun.kind {
            case let .export(module, function, arity): (0, module.text + "." + function.text, arity)
            case .closure(let closure):
                (1, closure.origin.module.text, Int(closure.origin.index) << 32 | Int(UInt(bitPattern: ObjectIdentifier(closure).hashValue) & 0xFFFF_FFFF))
            case .foreign(let fun): (2, fun.module.text, Int(fun.index))
            }
        }
        let (x, y) = (key(a), key(b))
        if x.0 != y.0 { return x.0 < y.0 ? -1 : 1 }
        if x.1 != y.1 { return x.1 < y.1 ? -1 : 1 }
        return x.2 == y.2 ? 0 : (x.2 < y.2 ? -1 : 1)
    }

    private static func compareMaps(_ a: TermMap, _ b: TermMap, exact: Bool) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        let x = a.sortedEntries
        let y = b.sortedEntries
        for (p, q) in zip(x, y) {
            let c = compare(p.key, q.key, exact: true)
            if c != 0 { return c }
        }
        for (p, q) in zip(x, y) {
            let c = compare(p.value, q.value, exact: exact)
            if c != 0 { return c }
        }
        return 0
    }

    private static func compareBits(_ a: Term, _ b: Term) -> Int {
        func parts(_ term: Term) -> ([UInt8], Int) {
            switch term {
            case .binary(let bytes): (bytes, bytes.count * 8)
            case .bitstring(let bits): (bits.bytes, bits.bitCount)
            default: ([], 0)
            }
        }
        let (x, xBits) = parts(a)
        let (y, yBits) = parts(b)
        let c = ordered(x, y)
        if c != 0 || xBits == yBits { return c == 0 ? 0 : c }
        return xBits < yBits ? -1 : 1
    }

    private static func compareNumbers(_ a: Term, _ b: Term, exact: Bool) -> Int {
        switch (a, b) {
        case let (.int(x), .int(y)): return x == y ? 0 : (x < y ? -1 : 1)
        case let (.float(x), .float(y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.int, .float) where exact, (.bigInteger, .float) where exact: return -1
        case (.float, .int) where exact, (.float, .bigInteger) where exact: return 1
        case let (.int(x), .float(y)): return compareIntFloat(BigInt(x), y)
        case let (.float(x), .int(y)): return -compareIntFloat(BigInt(y), x)
        case let (.bigInteger(x), .float(y)): return compareIntFloat(x.value, y)
        case let (.float(x), .bigInteger(y)): return -compareIntFloat(y.value, x)
        default:
            let x = a.bigIntValue ?? 0
            let y = b.bigIntValue ?? 0
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }

    /// Compares an integer with a float by exact value (no rounding of the integer).
    private static func compareIntFloat(_ integer: BigInt, _ float: Double) -> Int {
        let whole = float.rounded(.down)
        let wholeInt = BigInt(exactly: whole) ?? 0
        if integer < wholeInt { return -1 }
        if integer > wholeInt { return 1 }
        return whole == float ? 0 : -1
    }

    /// The value of an integer term of either size.
    public var bigIntValue: BigInt? {
        switch self {
        case .int(let value): BigInt(value)
        case .bigInteger(let value): value.value
        default: nil
        }
    }
}
