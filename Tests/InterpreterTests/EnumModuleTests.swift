import Testing
@testable import Interpreter

/// `Enum`: each input beside what Elixir 1.14's iex prints for it.
@Suite struct EnumModuleTests {
    static let cases: [(String, String)] = [
        ("Enum.into([a: 1, b: 2], %{})", "%{a: 1, b: 2}"),
        ("Enum.into(%{a: 1}, [])", "[a: 1]"),
        ("Enum.into([1, 2], [0])", "[0, 1, 2]"),
        ("Enum.into([{:b, 2}], %{a: 1})", "%{a: 1, b: 2}"),
        ("Enum.flat_map([1, 2], fn x -> [x, x] end)", "[1, 1, 2, 2]"),
        ("Enum.sort_by([\"bb\", \"a\", \"ccc\"], &String.length/1)", "[\"a\", \"bb\", \"ccc\"]"),
        ("Enum.sort_by([3, 1, 2], & &1, :desc)", "[3, 2, 1]"),
        ("Enum.sort([3, 1, 2], :desc)", "[3, 2, 1]"),
        ("Enum.sort([3, 1, 2], &(&1 >= &2))", "[3, 2, 1]"),
        ("Enum.group_by([\"ab\", \"c\", \"de\"], &String.length/1)", "%{1 => [\"c\"], 2 => [\"ab\", \"de\"]}"),
        ("Enum.group_by([1, 2, 3], &rem(&1, 2), &(&1 * 10))", "%{0 => [20], 1 => [10, 30]}"),
        ("Enum.uniq([1, 2, 1, 3, 2])", "[1, 2, 3]"),
        ("Enum.uniq_by([1, 2, 3, 4], &rem(&1, 2))", "[1, 2]"),
        ("Enum.any?([1, 2], &(&1 > 1))", "true"),
        ("Enum.any?([])", "false"),
        ("Enum.any?([nil, 1])", "true"),
        ("Enum.all?([1, 2], &(&1 > 1))", "false"),
        ("Enum.all?([])", "true"),
        ("Enum.split([1, 2, 3], 1)", "{[1], [2, 3]}"),
        ("Enum.split([1, 2, 3], -1)", "{[1, 2], [3]}"),
        ("Enum.drop([1, 2, 3], 2)", "[3]"),
        ("Enum.drop([1, 2, 3], -1)", "[1, 2]"),
        ("Enum.take([1, 2, 3], -2)", "[2, 3]"),
        ("Enum.chunk_every([1, 2, 3, 4, 5], 2)", "[[1, 2], [3, 4], [5]]"),
        ("Enum.chunk_every([1, 2, 3, 4, 5], 2, 1, :discard)", "[[1, 2], [2, 3], [3, 4], [4, 5]]"),
        ("Enum.frequencies([:a, :b, :a])", "%{a: 2, b: 1}"),
        ("Enum.min_by([\"aa\", \"b\"], &String.length/1)", "\"b\""),
        ("Enum.max_by([\"aa\", \"b\"], &String.length/1)", "\"aa\""),
        ("Enum.reduce_while(1..10, 0, fn x, acc -> if x < 4, do: {:cont, acc + x}, else: {:halt, acc} end)", "6"),
        ("Enum.with_index([:a, :b], 1)", "[a: 1, b: 2]"),
        ("Enum.with_index([:a, :b], fn x, i -> {i, x} end)", "[{0, :a}, {1, :b}]"),
        ("Enum.concat([1], [2])", "[1, 2]"),
        ("Enum.concat([[1], [2, 3]])", "[1, 2, 3]"),
        ("Enum.slice([1, 2, 3, 4], 1, 2)", "[2, 3]"),
        ("Enum.slice([1, 2, 3, 4], 1..2)", "[2, 3]"),
        ("Enum.dedup([1, 1, 2, 1, 1])", "[1, 2, 1]"),
        ("Enum.map_join([1, 2], \", \", &(&1 * 2))", "\"2, 4\""),
        ("Enum.reject([1, 2, 3], &(&1 > 1))", "[1]"),
        ("Enum.count([1, 2, 3], &(&1 > 1))", "2"),
        ("Enum.take_while([1, 2, 3], &(&1 < 2))", "[1]"),
        ("Enum.drop_while([1, 2, 3], &(&1 < 2))", "[2, 3]"),
        ("Enum.find_index([1, 2, 3], &(&1 == 2))", "1"),
        ("Enum.product([2, 3])", "6"),
        ("Enum.min_max([2, 1, 3])", "{1, 3}"),
        ("Enum.split_with([1, 2, 3], &(&1 > 1))", "{[2, 3], [1]}"),
        ("Enum.unzip([{1, :a}, {2, :b}])", "{[1, 2], [:a, :b]}"),
        ("Enum.fetch([1, 2], 1)", "{:ok, 2}"),
        ("Enum.fetch!([1, 2], 5)", "** (Enum.OutOfBoundsError) out of bounds error"),
        ("Enum.max_by([], & &1)", "** (Enum.EmptyError) empty error"),
        ("Enum.map_reduce([1, 2], 0, fn x, acc -> {x * 2, acc + x} end)", "{[2, 4], 3}"),
        ("Enum.scan([1, 2, 3], &(&1 + &2))", "[1, 3, 6]"),
        ("Enum.chunk_by([1, 1, 2, 3, 3], & &1)", "[[1, 1], [2], [3, 3]]"),
        ("Enum.intersperse([1, 2], 0)", "[1, 0, 2]"),
    ]

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.cases {
            let printed = try await s.run(input)
            #expect(printed == expected, "\(input)")
        }
    }
}
