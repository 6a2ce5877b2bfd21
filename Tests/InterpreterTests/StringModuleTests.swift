import Testing
@testable import Interpreter

/// `String`: each input beside what Elixir 1.14's iex prints for it.
@Suite struct StringModuleTests {
    static let cases: [(String, String)] = [
        ("String.length(\"héllo\")", "5"),
        ("String.upcase(\"abc é\")", "\"ABC É\""),
        ("String.downcase(\"ABC\")", "\"abc\""),
        ("String.split(\"a b  c \")", "[\"a\", \"b\", \"c\"]"),
        ("String.split(\"a,b,,c\", \",\")", "[\"a\", \"b\", \"\", \"c\"]"),
        ("String.split(\"a,b;c\", [\",\", \";\"])", "[\"a\", \"b\", \"c\"]"),
        ("String.split(\"abc\", \"\")", "[\"\", \"a\", \"b\", \"c\", \"\"]"),
        ("String.trim(\"  hi \\n\")", "\"hi\""),
        ("String.reverse(\"abc\")", "\"cba\""),
        ("String.contains?(\"hello\", \"ell\")", "true"),
        ("String.contains?(\"hello\", [\"x\", \"lo\"])", "true"),
        ("String.starts_with?(\"hello\", \"he\")", "true"),
        ("String.ends_with?(\"hello\", \"lo\")", "true"),
        ("String.ends_with?(\"hello\", \"he\")", "false"),
        ("String.replace(\"a-b-c\", \"-\", \"+\")", "\"a+b+c\""),
        ("String.replace(\"abc\", \"\", \"-\")", "\"-a-b-c-\""),
        ("String.to_integer(\"42\")", "42"),
        ("String.to_integer(\"-7\")", "-7"),
        ("String.to_integer(\"+12\")", "12"),
        ("String.to_integer(\"ff\", 16)", "255"),
        ("String.to_integer(\"-123456789012345678901234567890\")", "-123456789012345678901234567890"),
        ("String.to_atom(\"foo\")", ":foo"),
        ("String.duplicate(\"ab\", 3)", "\"ababab\""),
        ("String.slice(\"hello\", 1, 3)", "\"ell\""),
        ("String.slice(\"hello\", -3, 2)", "\"ll\""),
        ("String.slice(\"hello\", 10, 2)", "\"\""),
        ("String.first(\"hello\")", "\"h\""),
        ("String.first(\"\")", "nil"),
        ("String.last(\"hello\")", "\"o\""),
        ("String.at(\"hello\", 1)", "\"e\""),
        ("String.at(\"hello\", -1)", "\"o\""),
        ("String.at(\"hello\", 9)", "nil"),
        ("String.graphemes(\"abc\")", "[\"a\", \"b\", \"c\"]"),
        ("String.to_charlist(\"abc\")", "'abc'"),
        ("String.capitalize(\"hELLO world\")", "\"Hello world\""),
        ("String.pad_leading(\"7\", 3, \"0\")", "\"007\""),
        ("String.pad_trailing(\"ab\", 5)", "\"ab   \""),
        ("String.pad_leading(\"abc\", 2)", "\"abc\""),
        ("String.split(\"a,,b,\", \",\", trim: true)", "[\"a\", \"b\"]"),
        ("String.split(\"a,b,c\", \",\", parts: 2)", "[\"a\", \"b,c\"]"),
        ("String.split(\" a b \", \" \", trim: true)", "[\"a\", \"b\"]"),
        ("String.replace_prefix(\"foobar\", \"foo\", \"\")", "\"bar\""),
        ("String.replace_suffix(\"foobar\", \"bar\", \"\")", "\"foo\""),
        ("String.to_float(\"1.5\")", "1.5"),
    ]

    /// Edge cases and errors, across the data modules.
    static let probes: [(String, String)] = [
        ("String.to_integer(\"abc\")", "** (ArgumentError) errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n"),
        ("String.length(1)", "** (FunctionClauseError) no function clause matching in String.length/1"),
        ("Map.new([1])", "** (ArgumentError) argument error"),
        ("Enum.into([1], %{})", "** (ArgumentError) argument error"),
        ("Tuple.to_list(1)", "** (ArgumentError) errors were found at the given arguments:\n\n  * 1st argument: not a tuple\n"),
        ("Integer.parse(\"-12.5\")", "{-12, \".5\"}"),
        ("Integer.parse(\"ff\", 16)", "{255, \"\"}"),
        ("Integer.digits(-123)", "[-1, -2, -3]"),
        ("String.split(\"\", \",\")", "[\"\"]"),
        ("String.trim(\"\")", "\"\""),
        ("Enum.chunk_every([1, 2, 3], 2, 2, [0])", "[[1, 2], [3, 0]]"),
        ("Enum.slice([1, 2, 3], -2..-1)", "[2, 3]"),
        ("Enum.sort_by([%{a: 2}, %{a: 1}], & &1.a, :asc)", "[%{a: 1}, %{a: 2}]"),
        ("Enum.group_by([], & &1)", "%{}"),
    ]

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.cases + Self.probes {
            let printed = try await s.run(input)
            #expect(printed == expected, "\(input)")
        }
    }
}
