import ETF
import Testing

/// The decoder hazards of PROTOCOL.md, one test each, plus the other malformed inputs a peer can
/// send. Each asserts the exact error, offset included.
@Suite struct ETFDecoderHazardTests {
    private func decode(_ bytes: [UInt8], limits: ETFDecoder.Limits = .default) throws(ETFDecodingError) -> Term {
        try ETFDecoder(limits: limits).decode(bytes)
    }

    private func expectError(_ expected: ETFDecodingError, _ bytes: [UInt8], limits: ETFDecoder.Limits = .default,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { try decode(bytes, limits: limits) }
    }

    private static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    // MARK: - Atoms

    @Test func atomsOverTwoHundredFiftyFiveCharactersAreRefused() throws {
        let a = UInt8(ascii: "a")
        expectError(.atomTooLong(length: 256, offset: 1), [131, 118, 1, 0] + Array(repeating: a, count: 256))
        expectError(.atomTooLong(length: 256, offset: 1), [131, 100, 1, 0] + Array(repeating: a, count: 256))
        // 256 two-byte characters: 512 bytes, counted as characters, not bytes.
        expectError(.atomTooLong(length: 256, offset: 1),
                    [131, 118, 2, 0] + Array(repeating: [0xC3, 0xA9], count: 256).flatMap { $0 })
        // 255 four-byte characters are fine: the limit is on characters.
        let emoji = Array(repeating: [0xF0, 0x9F, 0x98, 0x80] as [UInt8], count: 255).flatMap { $0 }
        #expect(try decode([131, 118, 0x03, 0xFC] + emoji) == .atom(String(repeating: "😀", count: 255)))
    }

    @Test func newAtomsStopAtTheTableLimitButKnownOnesStillDecode() throws {
        let strict = ETFDecoder.Limits(atomTableLimit: 0)
        let fresh = Array("etf_hazard_never_seen_before_atom".utf8)
        expectError(.atomTableFull(offset: 1), [131, 119, UInt8(fresh.count)] + fresh, limits: strict)
        let known = Atom("etf_hazard_known_atom")
        #expect(try decode([131, 119, 21] + Array("etf_hazard_known_atom".utf8), limits: strict) == .atom(known))
        #expect(Atom.existing("etf_hazard_never_seen_before_atom") == nil, "a refused atom is not created")
    }

    @Test func atomsMustBeValidUTF8() throws {
        expectError(.invalidAtomEncoding(offset: 1), [131, 119, 2, 0xC3, 0x28])
        expectError(.invalidAtomEncoding(offset: 1), [131, 119, 2, 0xC0, 0x80])  // overlong NUL
        expectError(.invalidAtomEncoding(offset: 1), [131, 119, 3, 0xED, 0xA0, 0x80])  // a surrogate
        expectError(.invalidAtomEncoding(offset: 1), [131, 118, 0, 1, 0xFF])
        // The same bytes in a latin-1 atom are characters.
        #expect(try decode([131, 115, 1, 0xFF]) == .atom("ÿ"))
    }

    @Test func aPidsNodeMustBeAnAtom() {
        expectError(.unexpectedTag(97, expected: "an atom (the pid's node)", offset: 2),
                    [131, 88, 97, 1] + Array(repeating: 0, count: 12))
    }

    // MARK: - Lengths larger than the input

    @Test func lengthsAreCheckedBeforeAllocating() {
        let huge = Self.be32(.max)
        expectError(.lengthExceedsInput(length: Int(UInt32.max), available: 2, offset: 1), [131, 109] + huge + [1, 2])
        expectError(.lengthExceedsInput(length: Int(UInt32.max), available: 1, offset: 1), [131, 108] + huge + [106])
        expectError(.lengthExceedsInput(length: Int(UInt32.max), available: 0, offset: 1), [131, 105] + huge)
        expectError(.lengthExceedsInput(length: Int(UInt32.max), available: 3, offset: 1), [131, 116] + huge + [97, 1, 106])
        expectError(.lengthExceedsInput(length: 65535, available: 1, offset: 1), [131, 107, 0xFF, 0xFF, 1])
        expectError(.lengthExceedsInput(length: 65535, available: 0, offset: 1), [131, 118, 0xFF, 0xFF])
        expectError(.lengthExceedsInput(length: Int(UInt32.max), available: 0, offset: 1), [131, 111] + huge + [0])
        expectError(.lengthExceedsInput(length: Int(UInt32.max), available: 0, offset: 1), [131, 77] + huge + [3])
    }

    @Test func nestedContainersCannotTogetherPromiseMoreThanTheInput() throws {
        // An outer tuple of 3 whose first element claims all the bytes left: its two siblings
        // still need a byte each, so the claim is refused.
        let inner: [UInt8] = [105] + Self.be32(4) + [106, 106, 106, 106]
        expectError(.lengthExceedsInput(length: 4, available: 2, offset: 3), [131, 104, 3] + inner)
        #expect(try decode([131, 104, 3] + inner + [106, 106]) ==
                .tuple([.tuple(Array(repeating: .emptyList, count: 4)), .emptyList, .emptyList]))
    }

    // MARK: - Nesting

    @Test func aMillionNestedListsOrTuplesFailCleanly() {
        let depth = 1_000_000
        let limit = ETFDecoder.Limits.default.maxDepth
        var lists: [UInt8] = [131]
        lists.reserveCapacity(6 * depth + 2)
        for _ in 0..<depth { lists += [108, 0, 0, 0, 1] }
        lists += Array(repeating: 106, count: depth + 1)
        expectError(.nestingTooDeep(limit: limit, offset: 1 + 5 * limit), lists)

        let tuples: [UInt8] = [131] + Array(repeating: [104, 1] as [UInt8], count: depth).flatMap { $0 } + [106]
        expectError(.nestingTooDeep(limit: limit, offset: 1 + 2 * limit), tuples)

        var maps: [UInt8] = [131]
        for _ in 0..<depth { maps += [116, 0, 0, 0, 1, 106] }
        maps += [106]
        expectError(.nestingTooDeep(limit: limit, offset: 1 + 6 * limit), maps)
    }

    @Test func nestingUpToTheLimitDecodes() throws {
        let limit = ETFDecoder.Limits.default.maxDepth
        let bytes: [UInt8] = [131] + Array(repeating: [104, 1] as [UInt8], count: limit).flatMap { $0 } + [106]
        var expected = Term.emptyList
        for _ in 0..<limit { expected = .tuple([expected]) }
        #expect(try decode(bytes) == expected)
        expectError(.nestingTooDeep(limit: limit, offset: 1 + 2 * limit),
                    [131, 104, 1] + Array(bytes.dropFirst()))
    }

    @Test func aListContinuedThroughItsTailIsLongNotDeep() throws {
        // A million one-element list headers, each the tail of the one before: one flat list.
        let count = 1_000_000
        var bytes: [UInt8] = [131]
        bytes.reserveCapacity(7 * count + 2)
        for _ in 0..<count { bytes += [108, 0, 0, 0, 1, 97, 7] }
        bytes.append(106)
        let term = try decode(bytes)
        #expect(term.properList?.count == count)
    }

    // MARK: - Compressed terms

    @Test func aCompressedBombIsRefusedBeforeInflating() {
        let declared: [UInt8] = [131, 80] + Self.be32(.max) + [0x78, 0x9C]
        expectError(.compressedTooLarge(size: Int(UInt32.max), limit: 64 << 20, offset: 1), declared)
        let tenMegabytes = ETFEncoder().encodeCompressed(.binary(Array(repeating: 0, count: 10 << 20)))
        #expect(tenMegabytes.count < 20_000)
        expectError(.compressedTooLarge(size: (10 << 20) + 5, limit: 1 << 20, offset: 1), tenMegabytes,
                    limits: .init(maxInflatedSize: 1 << 20))
    }

    @Test func aCompressedTermMustInflateToItsDeclaredSize() throws {
        let honest = ETFEncoder().encodeCompressed(.binary(Array(repeating: 7, count: 1000)))
        #expect(try decode(honest) == .binary(Array(repeating: 7, count: 1000)))
        var smaller = honest
        smaller[5] -= 1  // declares one byte fewer than the stream holds
        expectError(.compressedSizeMismatch(declared: 1004, offset: 1), smaller)
        var larger = honest
        larger[5] += 1
        expectError(.compressedSizeMismatch(declared: 1006, offset: 1), larger)
        var corrupt = honest
        corrupt[6] ^= 0xFF  // the zlib header
        expectError(.invalidCompressedData(offset: 1), corrupt)
        expectError(.truncated(offset: honest.count - 3), Array(honest.dropLast(3)))
    }

    @Test func compressionOnlyFollowsTheVersionByte() {
        expectError(.unexpectedTag(80, expected: "a term (compression only follows the version byte)", offset: 3),
                    [131, 104, 1, 80, 0, 0, 0, 1])
    }

    @Test func aCompressedTermFollowedByAnotherIsReadToItsEnd() throws {
        let first = ETFEncoder().encodeCompressed(.string("abc"))
        let second = ExternalTermFormat.encode(.ok)
        let (term, end) = try ExternalTermFormat.decode(first + second, at: 0)
        #expect(term == .string("abc"))
        #expect(end == first.count)
        #expect(try ExternalTermFormat.decode(first + second, at: end).term == .ok)
    }

    // MARK: - Everything else a peer can get wrong

    @Test func malformedTermsThrowTheirOwnError() {
        expectError(.truncated(offset: 0), [])
        expectError(.badVersion(130, offset: 0), [130, 97, 1])
        expectError(.unknownTag(82, offset: 1), [131, 82, 0])  // an atom-cache reference
        expectError(.unknownTag(255, offset: 3), [131, 104, 1, 255])
        expectError(.trailingBytes(count: 2, offset: 3), [131, 97, 1, 97, 2])
        expectError(.duplicateMapKey(offset: 1), [131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3])
        expectError(.invalidValue("float nan", offset: 1), [131, 70, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0])
        expectError(.invalidValue("float inf", offset: 1), [131, 70, 0x7F, 0xF0, 0, 0, 0, 0, 0, 0])
        expectError(.invalidValue("bit count 0", offset: 1), [131, 77, 0, 0, 0, 1, 0, 0xFF])
        expectError(.invalidValue("bit count 9", offset: 1), [131, 77, 0, 0, 0, 1, 9, 0xFF])
        expectError(.invalidValue("bignum sign 2", offset: 1), [131, 110, 1, 2, 5])
        expectError(.invalidValue("reference of 6 words", offset: 1), [131, 90, 0, 6, 119, 0])
        expectError(.unexpectedTag(98, expected: "a small integer (the export's arity)", offset: 8),
                    [131, 113, 119, 1, 109, 119, 1, 102, 98, 0, 0, 0, 1])
    }

    @Test func oldFormsStillDecode() throws {
        let node: [UInt8] = [100, 0, 1, 110]
        #expect(try decode([131, 103] + node + [0, 0, 0, 9, 0, 0, 0, 0, 3]) ==
                .pid(Pid(node: "n", id: 9, serial: 0, creation: 3)))
        #expect(try decode([131, 102] + node + [0, 0, 0, 9, 3]) == .port(Port(node: "n", id: 9, creation: 3)))
        #expect(try decode([131, 120] + node + [0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 3]) ==
                .port(Port(node: "n", id: 1 << 32 | 9, creation: 3)))
        #expect(try decode([131, 101] + node + [0, 0, 0, 9, 3]) ==
                .reference(Reference(node: "n", creation: 3, words: [9])))
        #expect(try decode([131, 114, 0, 2] + node + [3, 0, 0, 0, 1, 0, 0, 0, 2]) ==
                .reference(Reference(node: "n", creation: 3, words: [1, 2])))
        var oldFloat = Array("1.50000000000000000000e+00".utf8)
        oldFloat += Array(repeating: 0, count: 31 - oldFloat.count)
        #expect(try decode([131, 99] + oldFloat) == .float(1.5))
        // A bignum with zero high digits still decodes to the word-sized integer.
        #expect(try decode([131, 110, 4, 1, 5, 0, 0, 0]) == .int(-5))
        #expect(try decode([131, 77, 0, 0, 0, 1, 8, 0xAB]) == .binary([0xAB]))
        #expect(try decode([131, 77, 0, 0, 0, 0, 0]) == .binary([]))
    }
}
