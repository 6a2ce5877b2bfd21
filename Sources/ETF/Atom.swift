import Synchronization

/// An interned atom: a small index into the node-wide atom table.
///
/// Atoms compare by index for equality (cheap, the hot path of pattern matching and
/// message dispatch) and by text for Erlang's term order.
public struct Atom: Hashable, Sendable {
    public let index: UInt32

    /// Interns `text` for names the program itself chooses (module names, literals in Swift code).
    /// Input from outside (the network, the shell) goes through `Atom.intern(_:)`, which can refuse.
    public init(_ text: String) {
        index = AtomTable.shared.withLock { $0.index(of: text, limit: .max) } ?? 0
    }

    /// Interns text that came from outside, with the table's bound enforced.
    /// - Throws: `AtomTableError` when the text is longer than 255 characters or the table is full.
    public static func intern(_ text: String) throws(AtomTableError) -> Atom {
        try intern(text, tableLimit: Atom.tableLimit)
    }

    /// `intern(_:)` with a tighter bound on the table's size, for a source of atoms that should be
    /// stopped well before the node-wide limit (one peer's decoder). Atoms that already exist are
    /// always found, whatever the bound.
    /// - Throws: `AtomTableError`, `.tableFull` carrying the bound that applied.
    public static func intern(_ text: String, tableLimit: Int) throws(AtomTableError) -> Atom {
        let limit = min(tableLimit, Atom.tableLimit)
        // No more bytes than the limit means no more characters: most atoms skip the count.
        guard text.utf8.count <= Atom.maxLength || text.unicodeScalars.count <= Atom.maxLength else {
            throw .tooLong(text.unicodeScalars.count)
        }
        guard let index = AtomTable.shared.withLock({ $0.index(of: text, limit: limit) }) else {
            throw .tableFull(limit: limit)
        }
        return Atom(index: index)
    }

    /// The atom's text if it is already interned; never creates one (`String.to_existing_atom`).
    public static func existing(_ text: String) -> Atom? {
        AtomTable.shared.withLock { $0.indices[text] }.map(Atom.init(index:))
    }

    private init(index: UInt32) { self.index = index }

    public var text: String { AtomTable.shared.withLock { $0.texts[Int(index)] } }

    /// Erlang's limit on an atom's length, in characters.
    public static let maxLength = 255
    /// Erlang's default atom table size (`+t`): distinct atoms a node may hold.
    public static let tableLimit = 1_048_576

    public static let `true` = Atom("true")
    public static let `false` = Atom("false")
    public static let `nil` = Atom("nil")
    public static let ok = Atom("ok")
    public static let error = Atom("error")
    public static let undefined = Atom("undefined")
    public static let empty = Atom("")
    public static let nonode = Atom("nonode@nohost")
}

public enum AtomTableError: Error, Equatable, Sendable {
    case tooLong(Int)
    case tableFull(limit: Int)
}

/// The node-wide table. One lock guards both directions of the mapping; lookups by index
/// happen only when printing or ordering atoms, never on the equality hot path.
struct AtomTable: ~Copyable {
    static let shared = Mutex(AtomTable())

    var texts: [String] = []
    var indices: [String: UInt32] = [:]

    mutating func index(of text: String, limit: Int) -> UInt32? {
        if let existing = indices[text] { return existing }
        guard texts.count < limit else { return nil }
        let index = UInt32(texts.count)
        texts.append(text)
        indices[text] = index
        return index
    }
}

extension Atom: CustomStringConvertible {
    public var description: String { text }
}

extension Atom: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
