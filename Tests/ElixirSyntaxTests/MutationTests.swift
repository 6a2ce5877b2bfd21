import ETF
import Testing
@testable import ElixirSyntax

/// Every corpus entry, cut and spliced at deterministic pseudo-random places: the parser must
/// answer (complete, incomplete or SyntaxError) without crashing or hanging.
@Suite struct MutationTests {
    /// A small deterministic generator, so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces: [String] = [
        "(", ")", "[", "]", "{", "}", "<<", ">>", "\"", "'", "\"\"\"", "#{", "}", "do", "end", "fn", "->", ",", ";",
        "\n", ":", "::", "?", "~r/", "%", "&", "@", ".", "|", "\\", "\\\\", "not", "when", "=>", "a:", "é", "\u{0}",
    ]

    @Test(arguments: [1, 2, 3] as [UInt64])
    func mutatedCorpusNeverCrashes(seed: UInt64) {
        var generator = SplitMix(state: seed)
        for entry in CorpusEntry.all {
            var scalars = Array(entry.source.unicodeScalars)
            for _ in 0..<4 {
                var mutated = scalars
                let position = mutated.isEmpty ? 0 : Int.random(in: 0...mutated.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where !mutated.isEmpty && position < mutated.count:
                    mutated.remove(at: position)
                case 1:
                    let piece = Self.pieces.randomElement(using: &generator)!
                    mutated.insert(contentsOf: piece.unicodeScalars, at: position)
                default:
                    mutated = Array(mutated.prefix(position))
                }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: mutated)
                _ = try? ElixirParser.parse(String(text))
                scalars = mutated.isEmpty ? scalars : mutated
            }
        }
    }
}
