import Foundation
import Testing
@testable import ETF

/// Atoms and floats in bulk, recorded from Elixir by `scripts/record-inspect-fixtures`:
/// every operator and a range of awkward names in each place an atom prints, and thousands of
/// floats across all magnitudes.
@Suite struct InspectBulkFixtureTests {
    struct AtomCase: Sendable, CustomTestStringConvertible {
        let fields: [String]
        var testDescription: String { fields[0].debugDescription }
    }

    static let atomCases: [AtomCase] = InspectFixtureTests.fixtureLines("inspect-atoms.tsv").compactMap { line in
        let fields = line.compactMap(InspectFixtureTests.decodeText)
        return fields.count == 6 ? AtomCase(fields: fields) : nil
    }

    @Test func atomFixtureIsComplete() {
        #expect(Self.atomCases.count >= 140)
    }

    @Test(arguments: atomCases) func atomPrintsAsInElixir(_ fixture: AtomCase) {
        let atom = Atom(fixture.fields[0])
        if Array(atom.text.unicodeScalars) != Array(fixture.fields[0].unicodeScalars) {
            withKnownIssue("The atom table keys on Swift String equality, which merges canonically equivalent texts") {
                Issue.record("\(fixture.fields[0].debugDescription) interned as \(atom.text.debugDescription)")
            }
            return
        }
        #expect(Term.atom(atom).inspect() == fixture.fields[1], "alone")
        #expect(Term.list([.tuple([.atom(atom), .int(1)])]).inspect() == fixture.fields[2], "keyword key")
        #expect(Term.map([(.atom(atom), .int(1)), (.string("s"), .int(2))]).inspect() == fixture.fields[3], "map key")
        #expect(Term.fun(Fun(.export(module: "m", function: atom, arity: 0))).inspect() == fixture.fields[4], "function")
        #expect(Term.fun(Fun(.export(module: atom, function: "f", arity: 1))).inspect() == fixture.fields[5], "module")
    }

    @Test func floatsPrintAsInElixir() throws {
        let lines = InspectFixtureTests.fixtureLines("inspect-floats.tsv")
        #expect(lines.count > 3000)
        var mismatches: [String] = []
        for fields in lines where fields.count == 2 {
            let bits = try #require(UInt64(fields[0], radix: 16))
            let printed = Term.float(Double(bitPattern: bits)).inspect()
            if printed != fields[1] { mismatches.append("\(fields[0]): \(printed) != \(fields[1])") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ: \(mismatches.prefix(20))")
    }
}
