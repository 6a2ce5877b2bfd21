import BigInt
import Foundation
import Testing
@testable import ETF

/// Compares kvsh's output with what Elixir 1.14 printed for the same terms, recorded by
/// `scripts/record-inspect-fixtures` into `InspectFixtures/inspect.tsv`.
@Suite struct InspectFixtureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let term: Term
        let plain: String
        let pretty: String
        let colored: String
        var testDescription: String { expression }
    }

    static let cases: [Case] = loadCases()

    @Test func fixtureHasEnoughCases() {
        #expect(Self.cases.count == Self.fixtureLines("inspect.tsv").count, "every recorded term decodes")
    }

    @Test(arguments: cases) func inspectMatchesElixir(_ fixture: Case) {
        #expect(fixture.term.inspect() == fixture.plain)
    }

    @Test(arguments: cases) func prettyMatchesIEx(_ fixture: Case) {
        #expect(fixture.term.inspect(.iex(colors: false)) == fixture.pretty)
    }

    @Test(arguments: cases) func coloursMatchIEx(_ fixture: Case) {
        #expect(fixture.term.inspect(.iex(colors: true)) == fixture.colored)
    }

    /// A term printed with options other than the defaults, from `inspect-options.tsv`.
    struct OptionsCase: Sendable, CustomTestStringConvertible {
        let optionsText: String
        let expression: String
        let term: Term
        let expected: String
        var testDescription: String { optionsText + " " + expression }

        /// `width:N` (pretty), `limit:N`, `printable_limit:N` (or `infinity`), `charlists:as_lists`,
        /// `colors:iex`.
        var options: InspectOptions {
            var options = InspectOptions()
            for token in optionsText.split(separator: " ") {
                let parts = token.split(separator: ":").map(String.init)
                let number = Int(parts[1])
                switch parts[0] {
                case "width":
                    options.pretty = true
                    options.width = number ?? 80
                case "limit": options.limit = number
                case "printable_limit": options.printableLimit = number
                case "charlists": options.charlists = .asLists
                case "colors": options.colors = true
                default: break
                }
            }
            return options
        }
    }

    static let optionsCases: [OptionsCase] = loadOptionsCases()

    @Test func optionsFixtureHasEnoughCases() {
        #expect(Self.optionsCases.count == Self.fixtureLines("inspect-options.tsv").count, "every recorded term decodes")
    }

    @Test(arguments: optionsCases) func optionsMatchElixir(_ fixture: OptionsCase) {
        #expect(fixture.term.inspect(fixture.options) == fixture.expected)
    }

    static let randomCases: [OptionsCase] = fixtureLines("inspect-random.tsv").compactMap { fields in
        guard fields.count == 3, let term = decodeTerm(fields[1]), let expected = decodeText(fields[2]) else { return nil }
        return OptionsCase(optionsText: fields[0], expression: "random", term: term, expected: expected)
    }

    /// Random nested terms at random widths and limits (generated with a fixed seed).
    @Test func randomTermsMatchElixir() {
        #expect(Self.randomCases.count == Self.fixtureLines("inspect-random.tsv").count, "every recorded term decodes")
        var mismatches: [String] = []
        for (index, fixture) in Self.randomCases.enumerated() {
            let printed = fixture.term.inspect(fixture.options)
            if printed != fixture.expected {
                mismatches.append("#\(index + 1) \(fixture.optionsText):\n\(printed)\n--- Elixir:\n\(fixture.expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ:\n\(mismatches.prefix(5).joined(separator: "\n\n"))")
    }

    static func fixtureLines(_ name: String) -> [[String]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("InspectFixtures").appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    static func decodeTerm(_ base64: String) -> Term? {
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? ExternalTermFormat.decode([UInt8](data))
    }

    static func decodeText(_ base64: String) -> String? {
        Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }

    static func loadOptionsCases() -> [OptionsCase] {
        fixtureLines("inspect-options.tsv").compactMap { fields in
            guard fields.count == 4, let term = decodeTerm(fields[2]), let expected = decodeText(fields[3]) else { return nil }
            return OptionsCase(optionsText: fields[0], expression: fields[1], term: term, expected: expected)
        }
    }

    static func loadCases() -> [Case] {
        fixtureLines("inspect.tsv").compactMap { fields in
            guard fields.count == 5, let term = decodeTerm(fields[1]),
                  let plain = decodeText(fields[2]), let pretty = decodeText(fields[3]),
                  let colored = decodeText(fields[4]) else { return nil }
            return Case(expression: fields[0], term: term, plain: plain, pretty: pretty, colored: colored)
        }
    }
}
