import ETF
import Testing

/// Found while fuzzing the codec; `Term`'s order is outside the codec, so it is recorded here
/// rather than changed.
@Suite struct TermKnownIssueTests {
    @Test func beamFunsThatDifferOnlyInTheirEnvironmentAreNotEqual() {
        func fun(_ free: Int) -> Term {
            .fun(Fun(.foreign(ForeignFun(
                arity: 1, uniq: Array(repeating: 1, count: 16), index: 3, module: "m",
                oldIndex: .int(3), oldUniq: .int(9), pid: .pid(Pid(node: "a@b", id: 1, serial: 0, creation: 1)),
                freeVariables: [.int(free)]
            ))))
        }
        withKnownIssue("Term.compare orders foreign funs by module and index only, so == disagrees with hash") {
            #expect(fun(1) != fun(2))
        }
    }
}
