import BigInt
import ETF

/// Random terms of every kind, for round-trip properties. Depth is bounded so generated terms
/// stay printable in a failure message.
struct TermGenerator {
    var random: SeededGenerator
    /// Each generated BEAM fun gets its own index: `Term.compare` orders foreign funs by module
    /// and index only, so two that differ elsewhere would be `==` yet hash apart.
    private var funIndex: UInt32 = 0

    init(random: SeededGenerator) { self.random = random }

    private static let atoms: [String] = ["ok", "", "hello world", "Elixir.Enum", "héllo", "😀", "nonode@nohost",
                                          String(repeating: "é", count: 255)]

    mutating func term(depth: Int = 4) -> Term {
        let kinds = depth > 0 ? 18 : 12
        switch Int.random(in: 0..<kinds, using: &random) {
        case 0: return .atom(Atom(Self.atoms.randomElement(using: &random)!))
        case 1: return .int(Int.random(in: -300...300, using: &random))
        case 2: return .int(Int.random(in: .min ... .max, using: &random))
        case 3:
            let magnitude = BigInt(BigUInt.randomInteger(withMaximumWidth: Int.random(in: 65...2200, using: &random), using: &random))
            return .integer(Bool.random(using: &random) ? -magnitude : magnitude)
        case 4:
            let value = Double(bitPattern: random.next())
            return .float(value.isFinite ? value : 0.5)
        case 5: return .binary(bytes(Int.random(in: 0...40, using: &random)))
        case 6: return .bits(bytes(4), bitCount: Int.random(in: 1...31, using: &random))
        case 7: return .list(bytes(Int.random(in: 1...20, using: &random)).map { .int(Int($0)) })
        case 8: return .pid(Pid(node: node(), id: UInt32.random(in: 0...UInt32.max, using: &random),
                                serial: UInt32.random(in: 0...8191, using: &random), creation: creation()))
        case 9:
            let id = Bool.random(using: &random) ? UInt64.random(in: 0...UInt64(UInt32.max), using: &random) : random.next()
            return .port(Port(node: node(), id: id, creation: creation()))
        case 10:
            let words = (0..<Int.random(in: 3...5, using: &random)).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) }
            return .reference(Reference(node: node(), creation: creation(), words: words))
        case 11: return .fun(Fun(.export(module: "lists", function: "map", arity: Int.random(in: 0...255, using: &random))))
        case 12: return .tuple(children(depth, upTo: depth > 1 ? 5 : 300))
        case 13: return .list(children(depth, upTo: 6))
        case 14: return .list(children(depth, upTo: 4), tail: term(depth: depth - 1))
        case 15:
            let keys = children(depth, upTo: depth > 1 ? 6 : 40)
            return .map(keys.map { ($0, term(depth: 0)) })
        case 16:
            let foreign = ForeignFun(
                arity: UInt8.random(in: 0...5, using: &random), uniq: bytes(16),
                index: nextFunIndex(), module: "erl_eval",
                oldIndex: .int(Int.random(in: 0...1000, using: &random)), oldUniq: .int(Int.random(in: -5...1 << 30, using: &random)),
                pid: .pid(Pid(node: node(), id: 80, serial: 0, creation: creation())),
                freeVariables: children(depth, upTo: 3)
            )
            return .fun(Fun(.foreign(foreign)))
        default: return .list(children(depth, upTo: 3))
        }
    }

    private mutating func nextFunIndex() -> UInt32 {
        funIndex += 1
        return funIndex
    }

    private mutating func children(_ depth: Int, upTo count: Int) -> [Term] {
        (0..<Int.random(in: 0...count, using: &random)).map { _ in term(depth: depth - 1) }
    }

    private mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    private mutating func node() -> Atom { Atom(["a@host", "kvsh@127.0.0.1", "nonode@nohost"].randomElement(using: &random)!) }

    private mutating func creation() -> UInt32 { UInt32.random(in: 1...UInt32.max, using: &random) }
}

extension BigUInt {
    /// A random magnitude of at most `width` bits from a seeded generator.
    fileprivate static func randomInteger(withMaximumWidth width: Int, using random: inout SeededGenerator) -> BigUInt {
        BigUInt(words: (0..<(width + 63) / 64).map { _ in UInt(truncatingIfNeeded: random.next()) }) >> ((64 - width % 64) % 64)
    }
}
