import Testing
@testable import Interpreter

/// `Code.eval_quoted`: each input beside what Elixir 1.14's iex prints for it.
@Suite struct CodeModuleTests {
    static let cases: [(String, String)] = [
        ("Code.eval_quoted({:+, [], [1, 2]})", "{3, []}"),
        ("Code.eval_quoted({:=, [], [{:x, [], nil}, 1]})", "{1, [x: 1]}"),
        ("Code.eval_quoted({:+, [], [{:a, [], nil}, 1]}, a: 1)", "{2, [a: 1]}"),
        ("Code.eval_quoted({:=, [], [{:b, [], nil}, {:+, [], [{:a, [], nil}, 1]}]}, a: 1)", "{2, [b: 2, a: 1]}"),
        ("Code.eval_quoted({{:., [], [{:__aliases__, [], [:Enum]}, :sum]}, [], [[1, 2, 3]]})", "{6, []}"),
        ("Code.eval_quoted({:=, [], [{:z, [], nil}, 2]}, z: 1)", "{2, [z: 2]}"),
    ]

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.cases {
            let printed = try await s.run(input)
            #expect(printed == expected, "\(input)")
        }
    }
}
