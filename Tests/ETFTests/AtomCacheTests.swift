import ETF
import Testing

/// The distribution header's atom cache: what one side's `AtomCacheEncoder` writes, the other
/// side's `AtomCacheDecoder` reads back, message after message, and what a peer may get wrong.
@Suite struct AtomCacheTests {
    /// One side's cache and the other's, and the messages between them.
    private struct Link {
        let sender = AtomCacheEncoder()
        var receiver = AtomCacheDecoder()

        /// Header and terms as a connection writes them.
        func encode(_ terms: [Term]) -> [UInt8] {
            sender.beginMessage()
            var body: [UInt8] = []
            for term in terms { ETFEncoder().encode(term, into: &body, atomCache: sender) }
            var bytes: [UInt8] = []
            sender.writeHeader(into: &bytes)
            return bytes + body
        }

        mutating func decode(_ bytes: [UInt8], count: Int) throws(ETFDecodingError) -> [Term] {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(ETFDecodingError) -> [Term] in
                    var (atoms, offset) = try receiver.readHeader(raw, at: 0)
                    var terms: [Term] = []
                    for _ in 0..<count {
                        let (term, end) = try ETFDecoder().decode(afterHeader: raw, at: offset, atomCacheRefs: atoms)
                        terms.append(term)
                        offset = end
                    }
                    #expect(offset == raw.count, "the terms end where the message does")
                    atoms = []
                    return terms
                }
            }
            return try result.get()
        }
    }

    private static let call: [Term] = [
        .tuple([.int(6), .atom("cache_test_from"), .atom(""), .atom("Elixir.KV.Registry")]),
        .tuple([.atom("$gen_call"), .atom("cache_test_from"), .tuple([.atom("lookup"), .string("shopping")])]),
    ]

    @Test func aSecondMessageNamesItsAtomsBySlotOnly() throws {
        var link = Link()
        let first = link.encode(Self.call)
        #expect(try link.decode(first, count: 2) == Self.call)
        let second = link.encode(Self.call)
        #expect(try link.decode(second, count: 2) == Self.call)
        // Five distinct atoms: the first header carries their text, the second one byte each.
        #expect(Array(first.prefix(3)) == [131, 68, 5])
        #expect(Array(second.prefix(3)) == [131, 68, 5])
        #expect(!second.containsText("Elixir.KV.Registry"))
        #expect(first.containsText("Elixir.KV.Registry"))
        // The same header but for the new entries' lengths and texts.
        #expect(second.count == first.count - Self.call.atomTextBytes)
    }

    @Test func aMessageWithoutAtomsHasAnEmptyHeader() throws {
        var link = Link()
        let bytes = link.encode([.tuple([.int(1), .int(2)])])
        #expect(Array(bytes.prefix(3)) == [131, 68, 0])
        #expect(try link.decode(bytes, count: 1) == [.tuple([.int(1), .int(2)])])
    }

    @Test func atomsPastTwoHundredFiftyFiveGoInFull() throws {
        var link = Link()
        let atoms = Term.list((0..<300).map { .atom(Atom("cache_test_many_\($0)")) })
        let bytes = link.encode([atoms])
        #expect(bytes[2] == 255)
        #expect(try link.decode(bytes, count: 1) == [atoms])
        #expect(try link.decode(link.encode([atoms]), count: 1) == [atoms])
    }

    @Test func twoAtomsOfOneSlotInOneMessage() throws {
        // Atoms whose table indices differ by 2,048 share a slot: the second goes in full.
        let first = Atom("cache_test_slot_first")
        var second = first
        var index = 0
        while second.index % 2048 != first.index % 2048 || second == first {
            second = Atom("cache_test_slot_\(index)")
            index += 1
        }
        var link = Link()
        let terms: [Term] = [.tuple([.atom(first), .atom(second), .atom(first)])]
        let bytes = link.encode(terms)
        #expect(bytes[2] == 1)
        #expect(try link.decode(bytes, count: 1) == terms)
        // The next message finds `first` in the slot, as the peer's cache has it.
        let swapped: [Term] = [.tuple([.atom(second), .atom(first)])]
        #expect(try link.decode(link.encode(swapped), count: 1) == swapped)
        #expect(try link.decode(link.encode(terms), count: 1) == terms)
    }

    @Test func longAtomTextsTakeTwoByteLengths() throws {
        // 200 characters of two bytes each: 400 bytes, more than one length byte holds.
        let long = Atom(String(repeating: "é", count: 200))
        var link = Link()
        let terms: [Term] = [.tuple([.atom("cache_test_short"), .atom(long)])]
        let bytes = link.encode(terms)
        // Two references: flags in 2 bytes, the header's own half byte (long atoms) in the second.
        #expect(bytes[2] == 2)
        #expect(bytes[4] & 0x0F == 1)
        #expect(try link.decode(bytes, count: 1) == terms)
    }

    @Test func anOddCountPutsTheLongAtomsFlagInTheLastHalfByte() throws {
        let long = Atom(String(repeating: "ü", count: 150))
        var link = Link()
        let terms: [Term] = [.atom(long)]
        let bytes = link.encode(terms)
        #expect(bytes[2] == 1)
        #expect(bytes[3] >> 4 == 1, "long atoms: the high half of the only flag byte")
        #expect(try link.decode(bytes, count: 1) == terms)
    }

    // MARK: - Bad input

    private static func readHeader(_ bytes: [UInt8], into receiver: inout AtomCacheDecoder) throws(ETFDecodingError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ETFDecodingError) in _ = try receiver.readHeader(raw, at: 0) }
        }
        try result.get()
    }

    @Test func aReferenceToAnEmptySlotIsRefused() {
        // One old reference (flag 0: not new, segment 0) to slot 5, which nothing filled.
        var receiver = AtomCacheDecoder()
        let bytes: [UInt8] = [131, 68, 1, 0x00, 5, 82, 0]
        #expect(throws: ETFDecodingError.invalidValue("atom cache reference to slot 5, which holds no atom", offset: 4)) {
            try Self.readHeader(bytes, into: &receiver)
        }
    }

    @Test func aTruncatedHeaderIsRefused() {
        var receiver = AtomCacheDecoder()
        // A new entry whose text is cut short.
        let bytes: [UInt8] = [131, 68, 1, 0x08, 7, 10] + Array("abc".utf8)
        #expect(throws: ETFDecodingError.lengthExceedsInput(length: 10, available: 3, offset: 4)) {
            try Self.readHeader(bytes, into: &receiver)
        }
        let noFlags: [UInt8] = [131, 68, 4]
        #expect(throws: ETFDecodingError.lengthExceedsInput(length: 3, available: 0, offset: 3)) {
            try Self.readHeader(noFlags, into: &receiver)
        }
    }

    @Test func aReferencePastTheHeaderIsRefused() {
        let atoms = [Atom("cache_test_only")]
        let bytes: [UInt8] = [82, 1]
        #expect(throws: ETFDecodingError.invalidValue("atom cache reference 1, but the header names 1 atoms", offset: 0)) {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(ETFDecodingError) in try ETFDecoder().decode(afterHeader: raw, at: 0, atomCacheRefs: atoms) }
            }
            _ = try result.get()
        }
    }

    @Test func aReferenceOutsideADistributionMessageIsAnUnknownTag() {
        #expect(throws: ETFDecodingError.unknownTag(82, offset: 1)) { try ETFDecoder().decode([131, 82, 0]) }
    }
}

extension [UInt8] {
    fileprivate func containsText(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}

extension [Term] {
    /// The text bytes and length bytes of the distinct atoms in these terms (flat terms only).
    fileprivate var atomTextBytes: Int {
        var seen: Set<Atom> = []
        func visit(_ term: Term) -> Int {
            switch term {
            case .atom(let atom): return seen.insert(atom).inserted ? atom.text.utf8.count + 1 : 0
            case .tuple(let elements): return elements.reduce(0) { $0 + visit($1) }
            default: return 0
            }
        }
        return reduce(0) { $0 + visit($1) }
    }
}
