/// A distribution connection's atom cache (`DFLAG_DIST_HDR_ATOM_CACHE`, the "distribution header"
/// of `erl_ext_dist`): each direction keeps 2,048 slots of atoms already sent, so a message names
/// an atom it shares with an earlier one by its slot instead of its text. A message starts with a
/// header, `131, 68, N, flags, refs`, listing the atoms its terms use; the terms that follow have
/// no version byte and write those atoms as ATOM_CACHE_REF (82) with an index into that list.
///
/// Why kvsh speaks it: without it an OTP peer writes and reads every atom of every message as
/// text, and looks each one up in its atom table. A `GenServer.call` from iex to kvsh spent about
/// 5 µs more on the BEAM's side than the same call to another BEAM node, most of it there.
public enum AtomCache {
    /// Slots per direction: 8 segments of 256.
    public static let slots = 2048
    /// At most this many atoms go by reference in one message; the rest are written in full.
    static let maxReferences = 255
    /// `DIST_HEADER`, after the version byte.
    public static let headerTag: UInt8 = 68
}

/// The sending half: which atom the peer holds in each slot, and the references of the message
/// being written. An atom's slot is its index in the node's atom table modulo 2,048, as OTP picks
/// a slot by its own atom index.
///
/// Not thread-safe: a connection writes its messages one at a time, in the order the peer reads
/// them, and keeps this beside its outbound buffer, under the same lock.
public final class AtomCacheEncoder {
    private static let empty = UInt32.max

    // Fixed-size tables in memory of their own, allocated once: looked up for every atom of every
    // message, they skip the exclusivity checks Swift makes on a class's stored arrays.
    /// The atom (its index) the peer holds in each slot.
    private let cached = UnsafeMutablePointer<UInt32>.allocate(capacity: AtomCache.slots)
    /// The message that last named each slot, and where in its header.
    private let namedIn = UnsafeMutablePointer<UInt32>.allocate(capacity: AtomCache.slots)
    private let referenceOfSlot = UnsafeMutablePointer<UInt8>.allocate(capacity: AtomCache.slots)
    /// This message's references, in header order: slot, atom, new entry.
    private let references = UnsafeMutablePointer<(slot: Int, atom: Atom, isNew: Bool)>.allocate(
        capacity: AtomCache.maxReferences)
    private let state = UnsafeMutablePointer<(message: UInt32, count: Int)>.allocate(capacity: 1)

    public init() {
        cached.initialize(repeating: Self.empty, count: AtomCache.slots)
        namedIn.initialize(repeating: 0, count: AtomCache.slots)
        referenceOfSlot.initialize(repeating: 0, count: AtomCache.slots)
        state.initialize(to: (message: 0, count: 0))
    }

    deinit {
        cached.deallocate()
        namedIn.deallocate()
        referenceOfSlot.deallocate()
        references.deallocate()
        state.deallocate()
    }

    /// Starts a message (0 never is one): its header names nothing yet.
    public func beginMessage() {
        state.pointee = (message: state.pointee.message == .max ? 1 : state.pointee.message + 1, count: 0)
    }

    /// The header index `atom` goes by in this message, or nil to write it in full: its slot is
    /// already taken in this message by another atom, or the header is full.
    func reference(for atom: Atom) -> UInt8? {
        let slot = Int(atom.index % UInt32(AtomCache.slots))
        let (message, count) = state.pointee
        if namedIn[slot] == message {
            return cached[slot] == atom.index ? referenceOfSlot[slot] : nil
        }
        guard count < AtomCache.maxReferences else { return nil }
        (references + count).initialize(to: (slot, atom, cached[slot] != atom.index))
        cached[slot] = atom.index
        namedIn[slot] = message
        referenceOfSlot[slot] = UInt8(count)
        state.pointee.count = count + 1
        return UInt8(count)
    }

    /// Appends the header of the message written since `beginMessage()`: `131, 68`, the count,
    /// a half byte of flags per reference (new entry, segment) and one for the whole header
    /// (long atoms), then each reference: its index in the segment, and for a new entry the text.
    public func writeHeader(into bytes: inout [UInt8]) {
        bytes.append(ExternalTermFormat.version)
        bytes.append(AtomCache.headerTag)
        let count = state.pointee.count
        bytes.append(UInt8(count))
        guard count > 0 else { return }
        let references = UnsafeBufferPointer(start: self.references, count: count)
        // Most headers, once the cache is warm, carry no text at all.
        let texts = references.contains { $0.isNew } ? references.map { $0.isNew ? Array($0.atom.text.utf8) : [] } : []
        let longAtoms = texts.contains { $0.count > 255 }
        let flagsStart = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count / 2 + 1))
        func setFlag(_ nibble: UInt8, at index: Int) {
            bytes[flagsStart + index / 2] |= index % 2 == 0 ? nibble : nibble << 4
        }
        for (index, reference) in references.enumerated() {
            setFlag((reference.isNew ? 0x8 : 0) | UInt8(reference.slot >> 8), at: index)
        }
        setFlag(longAtoms ? 1 : 0, at: count)
        for (index, reference) in references.enumerated() {
            bytes.append(UInt8(reference.slot & 0xFF))
            guard reference.isNew else { continue }
            let text = texts[index]
            if longAtoms { bytes.append(UInt8(text.count >> 8)) }
            bytes.append(UInt8(text.count & 0xFF))
            bytes.append(contentsOf: text)
        }
    }
}

/// The receiving half: the atoms the peer has put in each slot.
public struct AtomCacheDecoder: Sendable {
    private var slots = [Atom?](repeating: nil, count: AtomCache.slots)

    public init() {}

    /// Reads the header at `offset` (its 131 and 68 included), stores its new entries, and returns
    /// the atoms its references name, in order, for the terms that follow.
    /// - Throws: `ETFDecodingError`: `.truncated` and the atom errors as for atoms in terms,
    ///   `.invalidValue` for a reference to a slot the peer never filled.
    public mutating func readHeader(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, limits: ETFDecoder.Limits = .default
    ) throws(ETFDecodingError) -> (atoms: [Atom], end: Int) {
        guard let base = bytes.baseAddress, offset >= 0 else { throw .truncated(offset: max(offset, 0)) }
        var reader = TermReader(base: base, position: offset, end: bytes.count, limits: limits)
        let version = try reader.byte()
        guard version == ExternalTermFormat.version else { throw .badVersion(version, offset: offset) }
        let tag = try reader.byte()
        guard tag == AtomCache.headerTag else {
            throw .unexpectedTag(tag, expected: "a distribution header (68)", offset: offset + 1)
        }
        let count = Int(try reader.byte())
        guard count > 0 else { return ([], reader.position) }
        let flagsStart = reader.position
        try reader.require(count / 2 + 1, at: flagsStart)
        reader.position += count / 2 + 1
        func flag(_ index: Int) -> UInt8 {
            let byte = base.load(fromByteOffset: flagsStart + index / 2, as: UInt8.self)
            return index % 2 == 0 ? byte & 0x0F : byte >> 4
        }
        let longAtoms = flag(count) & 1 != 0
        var atoms: [Atom] = []
        atoms.reserveCapacity(count)
        for index in 0..<count {
            let at = reader.position
            let nibble = flag(index)
            let slot = Int(nibble & 0x7) << 8 | Int(try reader.byte())
            if nibble & 0x8 != 0 {
                let length = longAtoms ? Int(try reader.u16()) : Int(try reader.byte())
                let atom = try reader.atomText(length: length, utf8: true, at: at)
                slots[slot] = atom
                atoms.append(atom)
            } else {
                guard let atom = slots[slot] else {
                    throw .invalidValue("atom cache reference to slot \(slot), which holds no atom", offset: at)
                }
                atoms.append(atom)
            }
        }
        return (atoms, reader.position)
    }
}
