/// Bytes read from the terminal but not yet handed to libedit, decoded into characters.
///
/// libedit's readline emulation takes one character per call of the getc hook and widens the
/// returned `int` straight to a `wchar_t`, without decoding UTF-8: the hook itself must hand over
/// whole characters (Unicode scalar values), or every byte of an `é` arrives as a Latin-1 code
/// point that the key map beeps at and drops. And a read may bring more than one character (a
/// paste, or keys typed while an expression ran): what is not handed over yet waits here, so
/// no byte is ever thrown away between two calls or two lines.
///
/// Pure: no I/O, so it is tested byte by byte and in batches without a terminal.
struct TerminalInputBuffer {
    /// What `next(final:)` found.
    enum Next: Equatable {
        /// A Unicode scalar value, ready for libedit.
        case character(UInt32)
        /// Nothing complete yet: empty, or the start of a multi-byte sequence.
        case needMore
    }

    /// U+FFFD, what a byte that starts no valid UTF-8 sequence becomes.
    static let replacement: UInt32 = 0xFFFD

    private var bytes: [UInt8] = []
    /// Where the bytes not handed over yet start.
    private var start = 0

    var isEmpty: Bool { start == bytes.count }

    /// Bytes waiting, for tests and diagnostics.
    var pending: ArraySlice<UInt8> { bytes[start...] }

    mutating func append(contentsOf newBytes: some Collection<UInt8>) {
        bytes.append(contentsOf: newBytes)
    }

    /// Drops everything waiting, as the terminal driver drops its queue on Ctrl-C.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        start = 0
    }

    /// Takes the next character.
    ///
    /// - Parameter final: no more bytes are coming soon, so an unfinished multi-byte sequence
    ///   will stay unfinished: its first byte becomes U+FFFD instead of waiting.
    /// - Returns: the character, or `.needMore`. A byte that cannot start or continue a valid
    ///   sequence becomes U+FFFD on its own; the bytes after it are decoded afresh, never lost.
    mutating func next(final: Bool = false) -> Next {
        guard !isEmpty else { return .needMore }
        let lead = bytes[start]
        let length: Int
        switch lead {
        case 0x00...0x7F:
            consume(1)
            return .character(UInt32(lead))
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default:
            consume(1)
            return .character(Self.replacement)
        }
        let available = bytes.count - start
        // Check the bytes that are here, so a bad one is reported without waiting for the rest.
        for offset in 1..<min(length, available) where !Self.continues(lead, bytes[start + offset], at: offset) {
            consume(1)
            return .character(Self.replacement)
        }
        guard available >= length else {
            if final {
                consume(1)
                return .character(Self.replacement)
            }
            return .needMore
        }
        var scalar = UInt32(lead) & (0x7F >> length)
        for offset in 1..<length {
            scalar = scalar << 6 | UInt32(bytes[start + offset] & 0x3F)
        }
        consume(length)
        return .character(scalar)
    }

    /// Whether `byte` may stand at `offset` in a sequence led by `lead`: a continuation byte,
    /// with the second byte narrowed where UTF-8 forbids overlong forms, surrogates and values
    /// beyond U+10FFFF.
    private static func continues(_ lead: UInt8, _ byte: UInt8, at offset: Int) -> Bool {
        guard offset == 1 else { return (0x80...0xBF).contains(byte) }
        switch lead {
        case 0xE0: return (0xA0...0xBF).contains(byte)
        case 0xED: return (0x80...0x9F).contains(byte)
        case 0xF0: return (0x90...0xBF).contains(byte)
        case 0xF4: return (0x80...0x8F).contains(byte)
        default: return (0x80...0xBF).contains(byte)
        }
    }

    private mutating func consume(_ count: Int) {
        start += count
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 4096 && start * 2 >= bytes.count {
            bytes.removeSubrange(0..<start)
            start = 0
        }
    }
}
