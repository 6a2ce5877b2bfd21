import BigInt
import Testing
@testable import ETF

/// What the recorded fixtures cannot carry: remote identifiers, kvsh's own closures, funs from
/// peers, the shell's result wrapping, and terms too large or deep to record.
@Suite struct InspectTests {
    final class TestClosure: FunClosure {
        let arity: Int
        let origin: FunOrigin
        init(arity: Int, origin: FunOrigin) {
            self.arity = arity
            self.origin = origin
        }
    }

    static let remote = Atom("foo@bar.x")

    static let remoteNumbers: InspectOptions = {
        var options = InspectOptions.iex(colors: false)
        options.pidNodeNumber = { $0.node == remote ? 12531 : 0 }
        options.referenceNodeNumber = { $0.node == remote ? 12531 : 0 }
        options.portNodeNumber = { $0.node == remote ? 7 : 0 }
        return options
    }()

    static func pid(_ id: UInt32, _ serial: UInt32 = 0, node: Atom = .nonode) -> Term {
        .pid(Pid(node: node, id: id, serial: serial, creation: 1))
    }

    @Test func taskStructBreaksOneFieldPerLineAsIExDoes() {
        let task = Term.map([
            (.atom("__struct__"), .atom("Elixir.Task")),
            (.atom("mfa"), .tuple(.atom("erlang"), .atom("apply"), .int(2))),
            (.atom("owner"), Self.pid(114)),
            (.atom("pid"), Self.pid(138, node: Self.remote)),
            (.atom("ref"), .reference(Reference(node: .nonode, creation: 1, words: [6442, 302_841_858, 436_706_238]))),
        ])
        #expect(task.inspect(Self.remoteNumbers) == """
            %Task{
              mfa: {:erlang, :apply, 2},
              owner: #PID<0.114.0>,
              pid: #PID<12531.138.0>,
              ref: #Reference<0.436706238.302841858.6442>
            }
            """)
        #expect(task.inspect() == "%Task{mfa: {:erlang, :apply, 2}, owner: #PID<0.114.0>, pid: #PID<0.138.0>, "
            + "ref: #Reference<0.436706238.302841858.6442>}")
    }

    @Test func remoteIdentifiersTakeTheirNodeNumberFromTheOptions() {
        #expect(Self.pid(138, 2, node: Self.remote).inspect(Self.remoteNumbers) == "#PID<12531.138.2>")
        let ref = Term.reference(Reference(node: Self.remote, creation: 1, words: [1, 2, 3]))
        #expect(ref.inspect(Self.remoteNumbers) == "#Reference<12531.3.2.1>")
        let long = Term.reference(Reference(node: .nonode, creation: 1, words: [5, 4, 3, 2, 1]))
        #expect(long.inspect() == "#Reference<0.1.2.3.4.5>")
        #expect(Term.port(Port(node: Self.remote, id: 5, creation: 1)).inspect(Self.remoteNumbers) == "#Port<7.5>")
        #expect(Term.port(Port(node: .nonode, id: 1 << 40, creation: 1)).inspect() == "#Port<0.1099511627776>")
    }

    @Test func closuresNameWhereTheyWereMade() {
        let erlEval = TestClosure(arity: 1, origin: FunOrigin(module: "erl_eval", name: "-expr/6-fun-0-", index: 42, uniq: 3_316_493))
        #expect(Term.fun(Fun(.closure(erlEval))).inspect() == "#Function<42.3316493/1 in :erl_eval.expr/6>")
        let plainName = TestClosure(arity: 2, origin: FunOrigin(module: "Elixir.KV.Router", name: "route/3", index: 0, uniq: 7))
        #expect(Term.fun(Fun(.closure(plainName))).inspect() == "#Function<0.7/2 in KV.Router.route/3>")
        let operatorParent = TestClosure(arity: 0, origin: FunOrigin(module: "Elixir.Kernel", name: "-+/2-fun-1-", index: 3, uniq: 9))
        #expect(Term.fun(Fun(.closure(operatorParent))).inspect() == "#Function<3.9/0 in Kernel.+/2>")
        let nameless = TestClosure(arity: 0, origin: FunOrigin(module: "shell", name: "", index: 1, uniq: 2))
        #expect(Term.fun(Fun(.closure(nameless))).inspect() == "#Function<1.2/0 in :shell>")
    }

    @Test func foreignFunsPrintWithoutTheNameOnlyTheirNodeKnows() {
        let foreign = ForeignFun(
            arity: 1, uniq: Array(repeating: 0, count: 16), index: 42, module: "erl_eval",
            oldIndex: .int(42), oldUniq: .int(3_316_493), pid: Self.pid(80), freeVariables: []
        )
        #expect(Term.fun(Fun(.foreign(foreign))).inspect() == "#Function<42.3316493/1 in :erl_eval>")
    }

    /// `fn x -> x + 1 end` made in `Zed.f/0` on one node, `term_to_binary`'d, and inspected on a
    /// node without `Zed` loaded: Elixir printed `#Function<0.25550240/1 in Zed>`.
    @Test func foreignFunFromARealNode() throws {
        let etf = "g3AAAABOATC7tAWbBn2lVLu08rUel+AAAAAAAAAAAGQACkVsaXhpci5aZWRhAGIBhd2gWGQADW5vbm9kZUBub2hvc3QAAABgAAAAAAAAAAA="
        let term = try #require(InspectFixtureTests.decodeTerm(etf))
        #expect(term.inspect() == "#Function<0.25550240/1 in Zed>")
    }

    @Test func exportsNeedingQuotesAreQuoted() {
        let quoted = Term.fun(Fun(.export(module: "Elixir.My.Mod", function: "do it", arity: 0)))
        #expect(quoted.inspect() == "&My.Mod.\"do it\"/0")
    }

    @Test func iexPrintsAtMostEightyColumnsWide() {
        #expect(InspectOptions.iex(colors: false).width == 80)
        #expect(InspectOptions.iex(colors: false, terminalColumns: 120).width == 80)
        #expect(InspectOptions.iex(colors: false, terminalColumns: 50).width == 50)
        let list = Term.list((1...40).map { Term.int($0) })
        // Recorded from iex 1.14 in a 50-column terminal.
        #expect(list.inspect(.iex(colors: false, terminalColumns: 50)).hasPrefix("""
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
             15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
            """))
    }

    @Test func iexResultIsWrappedInTheResultColour() {
        #expect(Term.int(1).inspectAsIExResult(.iex(colors: true)) == "\u{1B}[33m\u{1B}[33m1\u{1B}[0m\u{1B}[33m\u{1B}[0m")
        #expect(Term.int(1).inspectAsIExResult(.iex(colors: false)) == "1")
    }

    @Test func unknownStructsPrintAsMapsAndKnownOnesByOption() {
        let point = Term.map([(.atom("__struct__"), .atom("Elixir.Point")), (.atom("x"), .int(1)), (.atom("y"), .int(2))])
        #expect(point.inspect() == "%{__struct__: Point, x: 1, y: 2}")
        var options = InspectOptions()
        options.structFields = { $0.text == "Elixir.Point" ? [Atom("y"), Atom("x")] : nil }
        #expect(point.inspect(options) == "%Point{y: 2, x: 1}")
    }

    @Test func floatsInAllNotations() {
        let cases: [(Double, String)] = [
            (1, "1.0"), (0.1, "0.1"), (1e20, "1.0e20"), (1e-5, "1.0e-5"), (-0.0, "-0.0"),
            (1e15, "1000000000000000.0"), (1e16, "1.0e16"), (0.0001, "0.0001"), (1.2345e-4, "1.2345e-4"),
            (-123.456, "-123.456"), (.leastNonzeroMagnitude, "5.0e-324"), (.greatestFiniteMagnitude, "1.7976931348623157e308"),
        ]
        for (value, expected) in cases {
            #expect(Term.float(value).inspect() == expected)
        }
    }

    @Test func longListsPrintInLinearTime() {
        let count = 100_000
        let list = Term.list((0..<count).map { Term.int($0) })
        let limited = list.inspect(.iex(colors: false))
        #expect(limited.hasSuffix(" 48, 49, ...]"))
        var unlimited = InspectOptions.iex(colors: true)
        unlimited.limit = nil
        let full = list.inspect(unlimited)
        #expect(full.hasSuffix("\u{1B}[33m99999\u{1B}[0m\u{1B}[33m\u{1B}[39m]\u{1B}[0m\u{1B}[33m"))
        let plain = list.inspect(InspectOptions(limit: nil))
        #expect(plain.split(separator: ",").count == count)
        let tuples = Term.list((0..<count).map { Term.tuple(.int($0), .string("v")) })
        var pretty = InspectOptions.iex(colors: false)
        pretty.limit = nil
        #expect(tuples.inspect(pretty).split(separator: "\n").count == count + 2)
    }

    /// Holds a term that must never be released: freeing a list nested 100k deep through its
    /// heads recurses in `Cons.deinit` (which only unrolls tails) and overflows the stack.
    final class Immortal: Sendable {
        let term: Term
        init(_ term: Term) { self.term = term }
    }

    static let deeplyNested: Term = {
        var nested = Term.emptyList
        for _ in 0..<100_000 { nested = .list([nested]) }
        return Unmanaged.passRetained(Immortal(nested)).takeUnretainedValue().term
    }()

    static let deeplyNestedMixed: Term = {
        var nested = Term.int(0)
        for level in 0..<30_000 {
            switch level % 4 {
            case 0: nested = .tuple([.atom("t"), nested])
            case 1: nested = .map([(.atom("key"), nested)])
            // Deep terms go in values only: hashing a deep key recurses in `Term.hash(into:)`.
            case 2: nested = .map([(.tuple([.int(1)]), nested), (.string("s"), .int(2))])
            default: nested = .list([.tuple([.atom("k"), nested])])
            }
        }
        return Unmanaged.passRetained(Immortal(nested)).takeUnretainedValue().term
    }()

    @Test func deepMixedNestingStopsAtTheDefaultDepthCap() {
        var options = InspectOptions.iex(colors: true)
        options.limit = nil
        let text = Self.deeplyNestedMixed.inspect(options)
        #expect(text.contains("..."))
        #expect(!Self.deeplyNestedMixed.inspect(InspectOptions(limit: nil)).contains("\n"))
    }

    @Test func deepNestingStopsAtTheDepthCap() {
        let nested = Self.deeplyNested
        #expect(nested.inspect(InspectOptions(limit: nil)).contains("[...]"))
        var options = InspectOptions(limit: nil)
        options.maxDepth = 100
        let text = nested.inspect(options)
        #expect(text == String(repeating: "[", count: 101) + "..." + String(repeating: "]", count: 101))
        // What Elixir prints for the same term: the limit, decremented per level, runs out first.
        #expect(nested.inspect() == String(repeating: "[", count: 51) + "..." + String(repeating: "]", count: 51))
        var pretty = InspectOptions.iex(colors: false)
        pretty.limit = nil
        #expect(nested.inspect(pretty).contains("..."))
    }

    @Test func hugeBinariesAndStringsStopAtTheirLimits() {
        let text = String(repeating: "é", count: 5000)
        #expect(Term.string(text).inspect() == "\"" + String(repeating: "é", count: 4096) + "\" <> ...")
        let invalidTail = Term.binary(Array("abc".utf8) + [0xFF])
        var short = InspectOptions()
        short.printableLimit = 3
        #expect(invalidTail.inspect(short) == "\"abc\" <> ...")
        #expect(invalidTail.inspect() == "<<97, 98, 99, 255>>")
        let bytes = Term.binary(Array(repeating: 0, count: 1_000_000))
        #expect(bytes.inspect().hasSuffix("0, 0, ...>>"))
    }

    @Test func charlistsCanBePrintedAsLists() {
        let abc = Term.list([97, 98, 99].map { Term.int($0) })
        #expect(abc.inspect() == "'abc'")
        var options = InspectOptions()
        options.charlists = .asLists
        #expect(abc.inspect(options) == "[97, 98, 99]")
    }
}
