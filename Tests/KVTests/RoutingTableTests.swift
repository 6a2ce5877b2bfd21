import ETF
import KV
import Testing

@Suite struct RoutingTableTests {
    private static func range(_ first: Int, _ last: Int, _ step: Int? = nil) -> Term {
        var pairs: [(Term, Term)] = [(.atom("__struct__"), .atom("Elixir.Range")), (.atom("first"), .int(first)), (.atom("last"), .int(last))]
        if let step { pairs.append((.atom("step"), .int(step))) }
        return .map(pairs)
    }

    private static func table(_ entries: (Term, String)...) -> Term {
        .list(entries.map { .tuple([$0.0, .atom($0.1)]) })
    }

    private static let a = UInt8(ascii: "a"), m = UInt8(ascii: "m"), n = UInt8(ascii: "n"), z = UInt8(ascii: "z")

    private static let guides = table((range(97, 109, 1), "foo@vm"), (range(110, 122, 1), "bar@vm"))

    @Test func theGuidesTable() throws {
        let table = try RoutingTable(Self.guides)
        #expect(try table.node(for: Array("hello".utf8)) == Atom("foo@vm"))
        #expect(try table.node(for: Array("world".utf8)) == Atom("bar@vm"))
        #expect(table.entry(forFirstByte: Self.m) == Atom("foo@vm"))
        #expect(table.entry(forFirstByte: Self.n) == Atom("bar@vm"))
        #expect(table.entry(forFirstByte: UInt8(ascii: "A")) == nil)
        #expect(table.nodes == [Atom("foo@vm"), Atom("bar@vm")])
        #expect(table.term == Self.guides)
    }

    @Test func noEntryPrintsTheBucketAndTheTableAsTheGuide() throws {
        let table = try RoutingTable(Self.guides)
        #expect(throws: RoutingTableError.noEntry(bucket: [0], table: Self.guides)) { try table.node(for: [0]) }
        #expect(RoutingTableError.noEntry(bucket: [0], table: Self.guides).description
                == "could not find entry for <<0>> in table [{97..109, :foo@vm}, {110..122, :bar@vm}]")
        #expect(RoutingTableError.noEntry(bucket: Array("Hello".utf8), table: Self.guides).description
                == #"could not find entry for "Hello" in table [{97..109, :foo@vm}, {110..122, :bar@vm}]"#)
        #expect(RoutingTableError.noEntry(bucket: [0], table: Self.guides).exceptionModule == Atom("Elixir.RuntimeError"))
    }

    @Test func anEmptyBucketNameHasNoFirstByte() throws {
        let table = RoutingTable.everythingTo(Atom("foo@vm"))
        #expect(throws: RoutingTableError.emptyBucketName) { try table.node(for: []) }
        #expect(RoutingTableError.emptyBucketName.description.hasPrefix("errors were found at the given arguments:"))
        #expect(RoutingTableError.emptyBucketName.exceptionModule == Atom("Elixir.ArgumentError"))
    }

    @Test func aStepRangeHoldsOnlyItsMembers() throws {
        let up = try RoutingTable(Self.table((Self.range(97, 122, 2), "odd@vm")))
        #expect(up.entry(forFirstByte: Self.a) == Atom("odd@vm"))
        #expect(up.entry(forFirstByte: Self.a + 1) == nil)
        #expect(up.entry(forFirstByte: Self.z) == nil)
        let down = try RoutingTable(Self.table((Self.range(122, 97, -2), "even@vm")))
        #expect(down.entry(forFirstByte: Self.z) == Atom("even@vm"))
        #expect(down.entry(forFirstByte: Self.z - 1) == nil)
        #expect(down.entry(forFirstByte: Self.a + 1) == Atom("even@vm"))
        #expect(down.entry(forFirstByte: Self.a) == nil)
        // An empty range holds nothing; huge bounds do not overflow (Int.min is 1 modulo 3).
        let empty = try RoutingTable(Self.table((Self.range(109, 97, 1), "none@vm")))
        #expect(empty.entry(forFirstByte: 100) == nil)
        let wide = try RoutingTable(Self.table((Self.range(Int.min, Int.max, 3), "wide@vm")))
        #expect(wide.entry(forFirstByte: 1) == Atom("wide@vm"))
        #expect(wide.entry(forFirstByte: 100) == Atom("wide@vm"))
        #expect(wide.entry(forFirstByte: 2) == nil)
    }

    @Test func aRangeWithoutStepStepsTowardsItsLast() throws {
        let table = try RoutingTable(Self.table((Self.range(109, 97), "foo@vm")))
        #expect(table.entry(forFirstByte: 100) == Atom("foo@vm"))
    }

    @Test func listsOfBytes() throws {
        let table = try RoutingTable(Self.table((.list([.int(97), .int(101)]), "vowels@vm"), (.emptyList, "never@vm")))
        #expect(table.entry(forFirstByte: Self.a) == Atom("vowels@vm"))
        #expect(table.entry(forFirstByte: 101) == Atom("vowels@vm"))
        #expect(table.entry(forFirstByte: 98) == nil)
    }

    @Test func theFirstMatchWins() throws {
        let table = try RoutingTable(Self.table((Self.range(0, 255, 1), "all@vm"), (Self.range(97, 97, 1), "a@vm")))
        #expect(table.entry(forFirstByte: Self.a) == Atom("all@vm"))
    }

    @Test func theDefaultSendsEverythingToOneNode() throws {
        let table = RoutingTable.everythingTo(Atom("foo@vm"))
        #expect((0...255).allSatisfy { table.entry(forFirstByte: UInt8($0)) == Atom("foo@vm") })
        #expect(table.term.inspect() == "[{0..255, :foo@vm}]")
        #expect(try RoutingTable(table.term) == table)
        #expect(try RoutingTable(.emptyList).entry(forFirstByte: 0) == nil)
    }

    static let malformed: [(Term, RoutingTableError)] = [
        (.atom("foo"), .notAList(.atom("foo"))),
        (.list([.tuple([range(1, 2, 1), .atom("n")])], tail: .atom("x")), .notAList(.list([.tuple([range(1, 2, 1), .atom("n")])], tail: .atom("x")))),
        (.list([.tuple([range(1, 2, 1), .atom("n")]), .atom("oops")]), .notAnEntry(index: 1, entry: .atom("oops"))),
        (.list([.tuple([range(1, 2, 1)])]), .notAnEntry(index: 0, entry: .tuple([range(1, 2, 1)]))),
        (.list([.tuple([range(1, 2, 1), .string("foo@vm")])]), .nodeNotAnAtom(index: 0, node: .string("foo@vm"))),
        (table((.atom("x"), "n")), .notEnumerable(index: 0, value: .atom("x"))),
        (table((.string("abc"), "n")), .notEnumerable(index: 0, value: .string("abc"))),
        (table((.map([(.atom("first"), .int(1))]), "n")), .notEnumerable(index: 0, value: .map([(.atom("first"), .int(1))]))),
        (table((.list([.int(97), .atom("b")]), "n")), .listMemberNotAnInteger(index: 0, member: .atom("b"))),
        (table((range(1, 2, 0), "n")), .badRange(index: 0, range: range(1, 2, 0), problem: "step must not be zero")),
    ]

    @Test(arguments: malformed)
    func everyMalformedShapeSaysWhatAndWhere(term: Term, error: RoutingTableError) {
        #expect(throws: error) { try RoutingTable(term) }
    }

    @Test func badRangeFieldsAreNamed() {
        let floaty = Term.map([(.atom("__struct__"), .atom("Elixir.Range")), (.atom("first"), .float(1)), (.atom("last"), .int(2)), (.atom("step"), .int(1))])
        #expect(throws: RoutingTableError.badRange(index: 0, range: floaty, problem: "first and last must be integers")) {
            try RoutingTable(Self.table((floaty, "n")))
        }
        let badStep = Term.map([(.atom("__struct__"), .atom("Elixir.Range")), (.atom("first"), .int(1)), (.atom("last"), .int(2)), (.atom("step"), .atom("x"))])
        #expect(throws: RoutingTableError.badRange(index: 0, range: badStep, problem: "step must be an integer")) {
            try RoutingTable(Self.table((badStep, "n")))
        }
    }

    @Test func errorsInspectTheBadValue() {
        #expect(RoutingTableError.notAnEntry(index: 1, entry: .atom("oops")).description
                == "invalid routing table: entry 1 must be a {enumerable, node} tuple, got: :oops")
        #expect(RoutingTableError.nodeNotAnAtom(index: 0, node: .string("foo@vm")).description
                == #"invalid routing table: the node of entry 0 must be an atom, got: "foo@vm""#)
        #expect(RoutingTableError.badRange(index: 2, range: Self.range(1, 2, 0), problem: "step must not be zero").description
                == "invalid routing table: the range of entry 2 is invalid (step must not be zero), got: 1..2//0")
    }
}
