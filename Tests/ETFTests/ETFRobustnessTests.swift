import ETF
import Testing

/// Input cut short or garbled must throw, never crash or hang.
@Suite struct ETFRobustnessTests {
    /// Compressed fixtures may declare up to this much; kept small so a garbled size field does
    /// not make every iteration allocate the default 64 MiB.
    private let decoder = ETFDecoder(limits: .init(maxInflatedSize: 1 << 20))

    @Test(arguments: ETFFixtures.all)
    func everyPrefixOfAFixtureIsATruncation(_ fixture: ETFFixture) {
        for bytes in [fixture.defaultBytes, fixture.utf8Bytes] {
            for length in 0..<bytes.count {
                do {
                    let term = try decoder.decode(Array(bytes.prefix(length)))
                    Issue.record("\(fixture.name): prefix of \(length) bytes decoded to \(term)")
                } catch {
                    #expect(error.isTruncation, "\(fixture.name): prefix of \(length) bytes threw \(error)")
                }
            }
        }
    }

    @Test func aPrefixTellsWhereTheInputRanOut() {
        // A fixed-size field reports where it starts; a count reports the container's tag.
        #expect(throws: ETFDecodingError.truncated(offset: 2)) { try decoder.decode([131, 98, 0]) }
        #expect(throws: ETFDecodingError.truncated(offset: 2)) { try decoder.decode([131, 104]) }
        #expect(throws: ETFDecodingError.lengthExceedsInput(length: 1, available: 0, offset: 1)) {
            try decoder.decode([131, 104, 1])
        }
    }

    @Test func randomBytesOnlyThrowOrDecode() {
        var random = SeededGenerator(seed: 0xE7F)
        var decoded = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 1...64, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes[0] = 131
            // Read one term from the front: random bytes rarely end exactly where a term does.
            if let (term, _) = try? decoder.decode(bytes, at: 0) {
                decoded += 1
                expectStableRoundTrip(term)
            }
        }
        #expect(decoded > 0, "some random inputs are valid terms (a small integer, an atom)")
    }

    @Test func mutatedFixturesOnlyThrowOrDecode() {
        var random = SeededGenerator(seed: 131)
        let corpus = ETFFixtures.all.flatMap { [$0.defaultBytes, $0.utf8Bytes] }
        var outcomes = (decoded: 0, threw: 0)
        for _ in 0..<5_000 {
            var bytes = corpus.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                mutate(&bytes, using: &random)
            }
            do {
                expectStableRoundTrip(try decoder.decode(bytes))
                outcomes.decoded += 1
            } catch {
                outcomes.threw += 1
            }
        }
        #expect(outcomes.decoded > 0 && outcomes.threw > 0)
    }

    /// A mutation a corrupting link or a hostile peer could make: change, insert or drop a byte,
    /// or write a large value where a length likely sits.
    private func mutate(_ bytes: inout [UInt8], using random: inout SeededGenerator) {
        guard bytes.count > 1 else { return }
        let index = Int.random(in: 1..<bytes.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
        case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
        case 3: bytes.remove(at: index)
        default: bytes[index] = [0x00, 0x7F, 0x80, 0xFF].randomElement(using: &random)!
        }
    }

    private func expectStableRoundTrip(_ term: Term, sourceLocation: SourceLocation = #_sourceLocation) {
        let again = try? decoder.decode(ExternalTermFormat.encode(term))
        #expect(again == term, sourceLocation: sourceLocation)
    }
}
