/// Why bytes could not be read as a term. Every case carries the offset (into the buffer being
/// decoded) where the problem was seen, so a log line points at the byte to look at.
///
/// Offsets inside a compressed term (tag 80) are offsets into the inflated bytes.
public enum ETFDecodingError: Error, Equatable, Sendable {
    /// The first byte is not 131. Probably not ETF at all (or a frame read out of step).
    case badVersion(UInt8, offset: Int)
    /// The input ends inside a fixed-size field: a short read or a frame cut in two.
    case truncated(offset: Int)
    /// A length or count field promises more than the bytes left could hold, even with the
    /// smallest possible elements. Seen on truncated input and on hostile lengths; checked before
    /// anything is allocated.
    case lengthExceedsInput(length: Int, available: Int, offset: Int)
    /// A tag this decoder does not know (or does not accept here, such as an atom-cache reference
    /// when the atom cache was not negotiated).
    case unknownTag(UInt8, offset: Int)
    /// A term of the wrong kind where the format demands one kind: an atom for a pid's node, an
    /// integer for an export's arity, a pid for a fun's creator.
    case unexpectedTag(UInt8, expected: String, offset: Int)
    /// An atom longer than Erlang's 255 characters.
    case atomTooLong(length: Int, offset: Int)
    /// The atom table refused a new atom: a peer is minting atoms without bound.
    case atomTableFull(offset: Int)
    /// A UTF-8 atom whose bytes are not valid UTF-8.
    case invalidAtomEncoding(offset: Int)
    /// Containers nested deeper than the decoder's limit. `Term`'s equality, hashing and release
    /// recurse through tuples, maps and list heads, so an unbounded depth would crash later.
    case nestingTooDeep(limit: Int, offset: Int)
    /// A compressed term whose declared inflated size exceeds the decoder's cap (a zip bomb).
    case compressedTooLarge(size: Int, limit: Int, offset: Int)
    /// A compressed term that inflated to a size other than its header says.
    case compressedSizeMismatch(declared: Int, offset: Int)
    /// The zlib stream inside a compressed term is corrupt.
    case invalidCompressedData(offset: Int)
    /// `decode(_:)` read a whole term but bytes were left after it.
    case trailingBytes(count: Int, offset: Int)
    /// A field holds a value the format forbids: a float that is NaN or infinite, a bit count
    /// outside 1...8, a reference with more than five words, a fun whose size field is wrong.
    case invalidValue(String, offset: Int)
    /// A map with the same key twice (`binary_to_term/1` refuses these too).
    case duplicateMapKey(offset: Int)
}

extension ETFDecodingError {
    /// True when the input simply ended too soon: more bytes might make it decode.
    public var isTruncation: Bool {
        switch self {
        case .truncated, .lengthExceedsInput: true
        default: false
        }
    }
}
