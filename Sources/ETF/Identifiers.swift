/// A process identifier, as the distribution protocol names it: the node, a number, a serial and
/// the node's creation (which tells a pid of a restarted node from one of its earlier life).
public final class Pid: Hashable, Sendable {
    public let node: Atom
    public let id: UInt32
    public let serial: UInt32
    public let creation: UInt32

    public init(node: Atom, id: UInt32, serial: UInt32, creation: UInt32) {
        self.node = node
        self.id = id
        self.serial = serial
        self.creation = creation
    }

    public static func == (a: Pid, b: Pid) -> Bool {
        a === b || (a.id == b.id && a.serial == b.serial && a.node == b.node && a.creation == b.creation)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(node)
        hasher.combine(id)
        hasher.combine(serial)
        hasher.combine(creation)
    }
}

/// A port identifier. kvsh creates none of its own but carries the ones peers send.
public final class Port: Hashable, Sendable {
    public let node: Atom
    public let id: UInt64
    public let creation: UInt32

    public init(node: Atom, id: UInt64, creation: UInt32) {
        self.node = node
        self.id = id
        self.creation = creation
    }

    public static func == (a: Port, b: Port) -> Bool {
        a.id == b.id && a.node == b.node && a.creation == b.creation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(node)
        hasher.combine(id)
        hasher.combine(creation)
    }
}

/// A reference: node, creation and up to five 32-bit words (three for an ordinary local one,
/// as `make_ref/0` creates; more for the aliases and process-bound refs of newer peers).
public final class Reference: Hashable, Sendable {
    public let node: Atom
    public let creation: UInt32
    public let words: [UInt32]

    public init(node: Atom, creation: UInt32, words: [UInt32]) {
        self.node = node
        self.creation = creation
        self.words = words
    }

    public static func == (a: Reference, b: Reference) -> Bool {
        a === b || (a.words == b.words && a.node == b.node && a.creation == b.creation)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(node)
        hasher.combine(creation)
        hasher.combine(words)
    }
}
