import Testing
@testable import Interpreter

/// `Map`: each input beside what Elixir 1.14's iex prints for it.
@Suite struct MapModuleTests {
    static let cases: [(String, String)] = [
        ("Map.get(%{a: 1}, :a)", "1"),
        ("Map.get(%{a: 1}, :b)", "nil"),
        ("Map.get(%{a: 1}, :b, 0)", "0"),
        ("Map.get(1, :a)", "** (BadMapError) expected a map, got: 1"),
        ("Map.put(%{a: 1}, :b, 2)", "%{a: 1, b: 2}"),
        ("Map.fetch(%{a: 1}, :a)", "{:ok, 1}"),
        ("Map.fetch(%{a: 1}, :b)", ":error"),
        ("Map.fetch!(%{a: 1}, :a)", "1"),
        ("Map.fetch!(%{a: 1}, :b)", "** (KeyError) key :b not found in: %{a: 1}"),
        ("Map.delete(%{a: 1, b: 2}, :a)", "%{b: 2}"),
        ("Map.keys(%{b: 2, a: 1})", "[:a, :b]"),
        ("Map.values(%{b: 2, a: 1})", "[1, 2]"),
        ("Map.has_key?(%{a: 1}, :a)", "true"),
        ("Map.merge(%{a: 1, b: 2}, %{b: 3, c: 4})", "%{a: 1, b: 3, c: 4}"),
        ("Map.merge(%{a: 1}, %{a: 2}, fn _k, v1, v2 -> v1 + v2 end)", "%{a: 3}"),
        ("Map.update(%{a: 1}, :a, 0, &(&1 * 10))", "%{a: 10}"),
        ("Map.update(%{a: 1}, :b, 0, &(&1 * 10))", "%{a: 1, b: 0}"),
        ("Map.update!(%{a: 1}, :a, &(&1 + 1))", "%{a: 2}"),
        ("Map.update!(%{a: 1}, :b, &(&1 + 1))", "** (KeyError) key :b not found in: %{a: 1}"),
        ("Map.new()", "%{}"),
        ("Map.new([{:a, 1}, {:b, 2}])", "%{a: 1, b: 2}"),
        ("Map.new([1, 2], fn x -> {x, x * x} end)", "%{1 => 1, 2 => 4}"),
        ("Map.to_list(%{a: 1, b: 2})", "[a: 1, b: 2]"),
        ("Map.drop(%{a: 1, b: 2, c: 3}, [:a, :c])", "%{b: 2}"),
        ("Map.take(%{a: 1, b: 2, c: 3}, [:a, :c, :d])", "%{a: 1, c: 3}"),
        ("Map.get_and_update(%{a: 1}, :a, fn v -> {v, v + 1} end)", "{1, %{a: 2}}"),
        ("Map.get_and_update(%{a: 1}, :a, fn _ -> :pop end)", "{1, %{}}"),
        ("Map.pop(%{a: 1, b: 2}, :a)", "{1, %{b: 2}}"),
        ("Map.pop(%{a: 1}, :b, :none)", "{:none, %{a: 1}}"),
        ("Map.from_struct(%{__struct__: Foo, a: 1})", "%{a: 1}"),
        ("Map.split(%{a: 1, b: 2}, [:a])", "{%{a: 1}, %{b: 2}}"),
    ]

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.cases {
            let printed = try await s.run(input)
            #expect(printed == expected, "\(input)")
        }
    }
}
