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
        #expect(Self.cases.count >= 150)
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
        #expect(Self.optionsCases.count >= 100)
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
        #expect(Self.randomCases.count >= 300)
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
        var reader = FixtureTermReader(bytes: [UInt8](data))
        return try? reader.readVersioned()
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

/// Just enough of the external term format to read the recorded terms back; the real decoder
/// lives elsewhere, and these tests must not depend on it.
struct FixtureTermReader {
    struct Malformed: Error { let offset: Int }

    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func readVersioned() throws -> Term {
        guard try byte() == 131 else { throw Malformed(offset: 0) }
        return try term()
    }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw Malformed(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: Int) throws -> [UInt8] {
        guard offset + count <= bytes.count else { throw Malformed(offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func uint(_ size: Int) throws -> UInt64 {
        try take(size).reduce(0) { $0 << 8 | UInt64($1) }
    }

    func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    mutating func atom() throws -> Atom {
        guard case .atom(let atom) = try term() else { throw Malformed(offset: offset) }
        return atom
    }

    mutating func term() throws -> Term {
        let tag = try byte()
        switch tag {
        case 70: return .float(Double(bitPattern: try uint(8)))
        case 97: return .int(Int(try byte()))
        case 98: return .int(Int(Int32(bitPattern: UInt32(try uint(4)))))
        case 110, 111:
            let count = Int(tag == 110 ? UInt64(try byte()) : try uint(4))
            let negative = try byte() == 1
            let digits = try take(count)
            var value = BigInt(0)
            for digit in digits.reversed() { value = value << 8 + BigInt(digit) }
            return .integer(negative ? -value : value)
        case 118: return .atom(Atom(String(decoding: try take(Int(try uint(2))), as: UTF8.self)))
        case 119: return .atom(Atom(String(decoding: try take(Int(try byte())), as: UTF8.self)))
        case 100: return .atom(Atom(latin1(try take(Int(try uint(2))))))
        case 115: return .atom(Atom(latin1(try take(Int(try byte())))))
        case 104, 105:
            let arity = Int(tag == 104 ? UInt64(try byte()) : try uint(4))
            return .tuple(try (0..<arity).map { _ in try term() })
        case 106: return .emptyList
        case 107: return .list(try take(Int(try uint(2))).map { Term.int(Int($0)) })
        case 108:
            let count = Int(try uint(4))
            let elements = try (0..<count).map { _ in try term() }
            return .list(elements, tail: try term())
        case 109: return .binary(try take(Int(try uint(4))))
        case 77:
            let count = Int(try uint(4))
            let bits = Int(try byte())
            return .bits(try take(count), bitCount: (count - 1) * 8 + bits)
        case 116:
            let arity = Int(try uint(4))
            let pairs = try (0..<arity).map { _ in (try term(), try term()) }
            return .map(pairs)
        case 88:
            let node = try atom()
            return .pid(Pid(node: node, id: UInt32(try uint(4)), serial: UInt32(try uint(4)), creation: UInt32(try uint(4))))
        case 90:
            let count = Int(try uint(2))
            let node = try atom()
            let creation = UInt32(try uint(4))
            return .reference(Reference(node: node, creation: creation, words: try (0..<count).map { _ in UInt32(try uint(4)) }))
        case 89, 120:
            let node = try atom()
            let id = try uint(tag == 89 ? 4 : 8)
            return .port(Port(node: node, id: id, creation: UInt32(try uint(4))))
        case 113:
            let module = try atom()
            let function = try atom()
            guard case .int(let arity) = try term() else { throw Malformed(offset: offset) }
            return .fun(Fun(.export(module: module, function: function, arity: arity)))
        case 112:
            _ = try uint(4)
            let arity = try byte()
            let uniq = try take(16)
            let index = UInt32(try uint(4))
            let freeCount = Int(try uint(4))
            let module = try atom()
            let oldIndex = try term()
            let oldUniq = try term()
            let pid = try term()
            let free = try (0..<freeCount).map { _ in try term() }
            return .fun(Fun(.foreign(ForeignFun(
                arity: arity, uniq: uniq, index: index, module: module,
                oldIndex: oldIndex, oldUniq: oldUniq, pid: pid, freeVariables: free
            ))))
        default:
            throw Malformed(offset: offset - 1)
        }
    }
}
