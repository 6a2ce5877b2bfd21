import BigInt

/// Every Erlang term, in one value type.
///
/// Each payload is one word (or a reference to a shared immutable object), so a `Term` is
/// two words wide and copying one never copies a list, tuple or binary.
public enum Term: Sendable {
    case atom(Atom)
    /// An integer that fits in a machine word; larger ones are `.bigInteger`, never both for one value.
    case int(Int)
    case bigInteger(BigInteger)
    case float(Double)
    /// A bitstring whose length is a whole number of bytes (every Elixir string).
    case binary([UInt8])
    /// A bitstring whose last byte is partial; whole-byte ones are always `.binary`.
    case bitstring(Bitstring)
    /// The empty list `[]`, Erlang's NIL.
    case emptyList
    case cons(Cons)
    case tuple([Term])
    case map(TermMap)
    case pid(Pid)
    case reference(Reference)
    case port(Port)
    case fun(Fun)
}

/// An integer outside the machine word, boxed so a `Term` stays two words wide.
public final class BigInteger: Sendable {
    public let value: BigInt
    public init(_ value: BigInt) { self.value = value }
}

/// A bitstring of `bitCount` bits: whole bytes followed by the high bits of a last partial byte.
public struct Bitstring: Hashable, Sendable {
    public let bytes: [UInt8]
    /// How many bits of the last byte belong to the value: 1 through 7.
    public let trailingBits: UInt8

    /// - Parameter bytes: the bits, the unused low bits of the last byte ignored (and cleared).
    public init(bytes: [UInt8], trailingBits: UInt8) {
        precondition((1...7).contains(trailingBits) && !bytes.isEmpty, "a bitstring needs a partial last byte")
        var bytes = bytes
        bytes[bytes.count - 1] &= ~UInt8(0xFF >> trailingBits)
        self.bytes = bytes
        self.trailingBits = trailingBits
    }

    public var bitCount: Int { (bytes.count - 1) * 8 + Int(trailingBits) }
}

/// A list cell. Lists are cons cells, as on the BEAM, so `[h | t]` is O(1) both ways.
public final class Cons: @unchecked Sendable {
    // Safe to share: `head` is immutable and `tail` is written only by `deinit`, when no other
    // reference to this cell exists any more.
    public let head: Term
    public private(set) var tail: Term

    public init(_ head: Term, _ tail: Term) {
        self.head = head
        self.tail = tail
    }

    /// Frees a long list iteratively: the default recursive release would exhaust the stack.
    deinit {
        guard case .cons(var next) = tail else { return }
        tail = .emptyList
        while isKnownUniquelyReferenced(&next) {
            guard case .cons(let after) = next.tail else { return }
            next.tail = .emptyList
            next = after
        }
    }
}

/// A map with Erlang's key semantics: keys match exactly (`1` and `1.0` are different keys).
public struct TermMap: Hashable, Sendable {
    public var storage: [Term: Term]

    public init(_ storage: [Term: Term] = [:]) { self.storage = storage }

    public subscript(key: Term) -> Term? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    public var count: Int { storage.count }

    /// The entries in Erlang's term order of their keys, as maps print and compare.
    public var sortedEntries: [(key: Term, value: Term)] {
        storage.sorted { Term.compare($0.key, $1.key, exact: true) < 0 }
    }
}

/// A function value: an export (`&Mod.fun/1`), a closure made by kvsh's evaluator, or a fun
/// that a BEAM peer sent, which kvsh carries and echoes back but cannot run.
public final class Fun: Hashable, Sendable {
    public enum Kind: Sendable {
        case export(module: Atom, function: Atom, arity: Int)
        case closure(any FunClosure)
        case foreign(ForeignFun)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var arity: Int {
        switch kind {
        case .export(_, _, let arity): arity
        case .closure(let closure): closure.arity
        case .foreign(let fun): Int(fun.arity)
        }
    }

    public static func == (a: Fun, b: Fun) -> Bool {
        if a === b { return true }
        switch (a.kind, b.kind) {
        case let (.export(m1, f1, a1), .export(m2, f2, a2)): return m1 == m2 && f1 == f2 && a1 == a2
        case let (.closure(c1), .closure(c2)): return c1 === c2
        case let (.foreign(f1), .foreign(f2)): return f1 == f2
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch kind {
        case let .export(module, function, arity):
            hasher.combine(module)
            hasher.combine(function)
            hasher.combine(arity)
        case .closure(let closure): hasher.combine(ObjectIdentifier(closure))
        case .foreign(let fun): hasher.combine(fun)
        }
    }
}

/// What the evaluator puts behind a closure. The term layer only needs to name and order it.
public protocol FunClosure: AnyObject, Sendable {
    var arity: Int { get }
    /// Where the fun was made, as `#Function<index.uniq/arity in module.name>` prints it.
    var origin: FunOrigin { get }
}

public struct FunOrigin: Hashable, Sendable {
    public var module: Atom
    public var name: String
    public var index: UInt32
    public var uniq: UInt32

    public init(module: Atom, name: String, index: UInt32, uniq: UInt32) {
        self.module = module
        self.name = name
        self.index = index
        self.uniq = uniq
    }
}

/// A fun compiled on a BEAM node (`NEW_FUN_EXT`): its fields, kept to print and send back.
public struct ForeignFun: Hashable, Sendable {
    public var arity: UInt8
    public var uniq: [UInt8]
    public var index: UInt32
    public var module: Atom
    public var oldIndex: Term
    public var oldUniq: Term
    public var pid: Term
    public var freeVariables: [Term]

    public init(
        arity: UInt8, uniq: [UInt8], index: UInt32, module: Atom,
        oldIndex: Term, oldUniq: Term, pid: Term, freeVariables: [Term]
    ) {
        self.arity = arity
        self.uniq = uniq
        self.index = index
        self.module = module
        self.oldIndex = oldIndex
        self.oldUniq = oldUniq
        self.pid = pid
        self.freeVariables = freeVariables
    }
}

// MARK: - Construction helpers

extension Term {
    public static let `true` = Term.atom(.true)
    public static let `false` = Term.atom(.false)
    public static let `nil` = Term.atom(.nil)
    public static let ok = Term.atom(.ok)
    public static let error = Term.atom(.error)

    public static func atom(_ text: String) -> Term { .atom(Atom(text)) }

    public static func bool(_ value: Bool) -> Term { value ? .true : .false }

    /// An Elixir string: a UTF-8 binary.
    public static func string(_ text: String) -> Term { .binary(Array(text.utf8)) }

    /// An integer of any size, stored in a word when it fits.
    public static func integer(_ value: BigInt) -> Term {
        if let small = Int(exactly: value) { return .int(small) }
        return .bigInteger(BigInteger(value))
    }

    /// A proper list (or, with `tail`, an improper one) of the given elements.
    public static func list<C: BidirectionalCollection>(_ elements: C, tail: Term = .emptyList) -> Term
    where C.Element == Term {
        var result = tail
        for element in elements.reversed() { result = .cons(Cons(element, result)) }
        return result
    }

    public static func map(_ pairs: [(Term, Term)]) -> Term {
        .map(TermMap(Dictionary(pairs, uniquingKeysWith: { _, last in last })))
    }

    public static func tuple(_ elements: Term...) -> Term { .tuple(elements) }

    /// A bitstring of `bitCount` bits from `bytes`, as `.binary` when it is whole bytes.
    public static func bits(_ bytes: [UInt8], bitCount: Int) -> Term {
        let trailing = bitCount % 8
        if trailing == 0 { return .binary(Array(bytes.prefix(bitCount / 8))) }
        return .bitstring(Bitstring(bytes: Array(bytes.prefix(bitCount / 8 + 1)), trailingBits: UInt8(trailing)))
    }
}

// MARK: - Inspection helpers

extension Term {
    public var isList: Bool {
        switch self {
        case .emptyList, .cons: true
        default: false
        }
    }

    public var isNumber: Bool {
        switch self {
        case .int, .bigInteger, .float: true
        default: false
        }
    }

    public var atomValue: Atom? {
        if case .atom(let atom) = self { return atom }
        return nil
    }

    /// `nil` and `false` are falsy in Elixir; everything else is truthy.
    public var isTruthy: Bool {
        if case .atom(let atom) = self { return atom != .nil && atom != .false }
        return true
    }

    /// The elements of a list and what ends it (`.emptyList` for a proper list); nil for a non-list.
    public var listParts: (elements: [Term], tail: Term)? {
        var elements: [Term] = []
        var current = self
        while true {
            switch current {
            case .emptyList: return (elements, .emptyList)
            case .cons(let cell):
                elements.append(cell.head)
                current = cell.tail
            default:
                return elements.isEmpty && !isList ? nil : (elements, current)
            }
        }
    }

    /// The elements of a proper list; nil for anything else, an improper list included.
    public var properList: [Term]? {
        guard let (elements, tail) = listParts, case .emptyList = tail else { return nil }
        return elements
    }

    /// Whether this is `[]` or a list ending in `[]`, found without building the elements' array.
    public var isProperList: Bool {
        var rest = self
        while case .cons(let cell) = rest { rest = cell.tail }
        if case .emptyList = rest { return true }
        return false
    }

    /// The text of a binary that holds valid UTF-8.
    public var stringValue: String? {
        guard case .binary(let bytes) = self else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
