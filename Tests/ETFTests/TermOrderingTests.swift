import Testing
@testable import ETF

@Suite struct TermOrderingTests {
    @Test func numbersCompareByValueButMatchExactly() {
        #expect(Term.looselyEquals(.int(1), .float(1.0)))
        #expect(Term.int(1) != Term.float(1.0))
        #expect(Term.compare(.int(1), .float(1.5)) < 0)
        #expect(Term.compare(.float(2.5), .int(2)) > 0)
        #expect(Term.float(0.0) == Term.float(-0.0))
    }

    @Test func classesFollowErlangsOrder() {
        let pid = Term.pid(Pid(node: .nonode, id: 1, serial: 0, creation: 1))
        let ref = Term.reference(Reference(node: .nonode, creation: 1, words: [1, 2, 3]))
        let port = Term.port(Port(node: .nonode, id: 3, creation: 1))
        let fun = Term.fun(Fun(.export(module: Atom("m"), function: Atom("f"), arity: 0)))
        let ascending: [Term] = [
            .int(5), .atom("a"), ref, fun, port, pid, .tuple([]), .map([]), .emptyList,
            .list([.int(1)]), .string("a"),
        ]
        for (lower, higher) in zip(ascending, ascending.dropFirst()) {
            #expect(Term.compare(lower, higher) < 0, "\(lower) < \(higher)")
            #expect(Term.compare(higher, lower) > 0)
        }
    }

    @Test func bigIntegersAndWordsNormalise() {
        #expect(Term.integer(42) == .int(42))
        let big = Term.integer(BigIntTestValue.twoTo70)
        if case .bigInteger = big {} else { Issue.record("2^70 must be boxed") }
        #expect(Term.compare(big, .int(.max)) > 0)
        #expect(Term.compare(big, .float(1e30)) < 0)
    }

    @Test func tuplesCompareBySizeFirst() {
        #expect(Term.compare(.tuple([.int(9)]), .tuple([.int(1), .int(1)])) < 0)
        #expect(Term.compare(.tuple([.int(1), .int(2)]), .tuple([.int(1), .int(3)])) < 0)
    }

    @Test func longListsAreFreedAndComparedWithoutRecursion() {
        let many = Term.list((0..<1_000_000).map { Term.int($0) })
        let same = Term.list((0..<1_000_000).map { Term.int($0) })
        #expect(many == same)
        #expect(many.hashValue == same.hashValue)
    }

    @Test func improperListsKeepTheirTail() throws {
        let improper = Term.list([.int(1)], tail: .int(2))
        let parts = try #require(improper.listParts)
        #expect(parts.elements == [.int(1)])
        #expect(parts.tail == .int(2))
        #expect(improper.properList == nil)
    }
}

import BigInt
enum BigIntTestValue { static let twoTo70 = BigInt(1) << 70 }
