import Testing
@testable import Interpreter

/// `List`: each input beside what Elixir 1.14's iex prints for it.
@Suite struct ListModuleTests {
    static let cases: [(String, String)] = [
        ("List.first([1, 2])", "1"),
        ("List.first([])", "nil"),
        ("List.last([1, 2])", "2"),
        ("List.flatten([1, [2, [3, []]], 4])", "[1, 2, 3, 4]"),
        ("List.wrap(nil)", "[]"),
        ("List.wrap(1)", "[1]"),
        ("List.wrap([1])", "[1]"),
        ("List.duplicate(:a, 3)", "[:a, :a, :a]"),
        ("List.delete([1, 2, 1], 1)", "[2, 1]"),
        ("List.insert_at([1, 2, 3], 1, :x)", "[1, :x, 2, 3]"),
        ("List.insert_at([1, 2, 3], -1, :x)", "[1, 2, 3, :x]"),
        ("List.insert_at([1, 2], 10, :x)", "[1, 2, :x]"),
        ("List.zip([[1, 2, 3], [:a, :b]])", "[{1, :a}, {2, :b}]"),
        ("List.to_tuple([1, 2])", "{1, 2}"),
        ("List.foldl([1, 2, 3], 0, fn x, acc -> x + acc end)", "6"),
        ("List.foldr([1, 2, 3], [], fn x, acc -> [x | acc] end)", "[1, 2, 3]"),
        ("List.keyfind([a: 1, b: 2], :b, 0)", "{:b, 2}"),
        ("List.keyfind([a: 1], :c, 0)", "nil"),
        ("List.delete_at([1, 2, 3], 0)", "[2, 3]"),
        ("List.replace_at([1, 2, 3], 1, :x)", "[1, :x, 3]"),
        ("Keyword.get([a: 1, b: 2], :b)", "2"),
        ("Keyword.get([a: 1], :c, 0)", "0"),
        ("Keyword.put([a: 1, b: 2], :a, 3)", "[a: 3, b: 2]"),
        ("Keyword.keys([a: 1, b: 2])", "[:a, :b]"),
        ("Keyword.values([a: 1, b: 2])", "[1, 2]"),
        ("Keyword.delete([a: 1, b: 2, a: 3], :a)", "[b: 2]"),
        ("Keyword.has_key?([a: 1], :a)", "true"),
        ("Keyword.fetch([a: 1], :a)", "{:ok, 1}"),
        ("Keyword.fetch([a: 1], :b)", ":error"),
        ("Keyword.fetch!([a: 1], :b)", "** (KeyError) key :b not found in: [a: 1]"),
        ("Tuple.to_list({1, 2})", "[1, 2]"),
        ("Tuple.append({1}, 2)", "{1, 2}"),
        ("Tuple.duplicate(0, 3)", "{0, 0, 0}"),
        ("Integer.to_string(42)", "\"42\""),
        ("Integer.to_string(255, 16)", "\"FF\""),
        ("Integer.parse(\"12abc\")", "{12, \"abc\"}"),
        ("Integer.parse(\"abc\")", ":error"),
        ("Integer.parse(\"+7\")", "{7, \"\"}"),
        ("Integer.parse(\"99999999999999999999x\", 10)", "{99999999999999999999, \"x\"}"),
        ("Integer.parse(\"-0012345678901234567890123abc\")", "{-12345678901234567890123, \"abc\"}"),
        ("Integer.to_string(123456789012345678901234567890, 16)", "\"18EE90FF6C373E0EE4E3F0AD2\""),
        ("Integer.to_string(-99999999999999999999, 2)", "\"-1010110101111000111010111100010110101100011000011111111111111111111\""),
        ("Integer.digits(123)", "[1, 2, 3]"),
        ("Atom.to_string(:foo)", "\"foo\""),
        ("Atom.to_string(Foo)", "\"Elixir.Foo\""),
        ("require Integer; Integer.is_even(4)", "true"),
        ("require Integer; Integer.is_odd(4)", "false"),
    ]

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.cases {
            let printed = try await s.run(input)
            #expect(printed == expected, "\(input)")
        }
    }
}
