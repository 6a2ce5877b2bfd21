/// Erlang's External Term Format (`term_to_binary/1`, and every term of the distribution protocol).
///
/// The entry points live here; the work is done by `ETFDecoder` and `ETFEncoder`. Tag numbers come
/// from `erl_ext_dist.md`; where the documentation and the wire disagree the wire is right, and the
/// fixtures under `Tests/ETFTests/Fixtures` are recorded from a real `erl`.
public enum ExternalTermFormat {
    /// The byte that starts every encoded term (but not the terms inside a compressed one).
    public static let version: UInt8 = 131

    /// The tags of the format. Only the ones kvsh reads or writes are named.
    public enum Tag {
        public static let compressed: UInt8 = 80
        public static let newFloat: UInt8 = 70
        public static let bitBinary: UInt8 = 77
        public static let newPid: UInt8 = 88
        /// An atom named by the message's distribution header (`ATOM_CACHE_REF`), never outside one.
        public static let atomCacheRef: UInt8 = 82
        public static let newPort: UInt8 = 89
        public static let newerReference: UInt8 = 90
        public static let smallInteger: UInt8 = 97
        public static let integer: UInt8 = 98
        public static let float: UInt8 = 99
        public static let atom: UInt8 = 100
        public static let reference: UInt8 = 101
        public static let port: UInt8 = 102
        public static let pid: UInt8 = 103
        public static let smallTuple: UInt8 = 104
        public static let largeTuple: UInt8 = 105
        public static let `nil`: UInt8 = 106
        public static let string: UInt8 = 107
        public static let list: UInt8 = 108
        public static let binary: UInt8 = 109
        public static let smallBig: UInt8 = 110
        public static let largeBig: UInt8 = 111
        public static let newFun: UInt8 = 112
        public static let export: UInt8 = 113
        public static let newReference: UInt8 = 114
        public static let smallAtom: UInt8 = 115
        public static let map: UInt8 = 116
        public static let atomUTF8: UInt8 = 118
        public static let smallAtomUTF8: UInt8 = 119
        public static let v4Port: UInt8 = 120
    }
}

// MARK: - Entry points with the default limits and closure encoding

extension ExternalTermFormat {
    /// `term_to_binary/1`: the version byte, then the term. See `ETFEncoder` for the tags written.
    public static func encode(_ term: Term) -> [UInt8] {
        ETFEncoder().encode(term)
    }

    /// Appends the term *without* a version byte (write `version` first, once per term).
    public static func encode(_ term: Term, into bytes: inout [UInt8]) {
        ETFEncoder().encode(term, into: &bytes)
    }

    /// `binary_to_term/1`: a buffer holding exactly one term, version byte first.
    public static func decode(_ bytes: [UInt8]) throws(ETFDecodingError) -> Term {
        try ETFDecoder().decode(bytes)
    }

    /// One term (version byte first) starting at `offset`; returns it and the offset past it.
    public static func decode(_ bytes: [UInt8], at offset: Int) throws(ETFDecodingError) -> (term: Term, end: Int) {
        try ETFDecoder().decode(bytes, at: offset)
    }
}
