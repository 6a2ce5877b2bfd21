import BigInt
import ETF
import Testing
@testable import ElixirSyntax

private func quoted(_ source: String) throws -> Term {
    guard case .complete(let term) = try ElixirParser.parse(source) else {
        Issue.record("incomplete: \(source)")
        return .nil
    }
    return term
}

private func syntaxError(_ source: String) -> SyntaxError? {
    do {
        _ = try ElixirParser.parse(source)
        return nil
    } catch {
        return error
    }
}

@Suite struct ParserTests {
    @Test func literalsAreThemselves() throws {
        #expect(try quoted("42") == .int(42))
        #expect(try quoted("1.5e3") == .float(1500))
        #expect(try quoted(":ok") == .ok)
        #expect(try quoted("\"hi\"") == .string("hi"))
        #expect(try quoted("{1, 2}") == .tuple([.int(1), .int(2)]))
        #expect(try quoted("42") != .int(43), "the comparison discriminates")
    }

    /// Long literals go through `BigIntDecimal`: the value is attaswift's, underscores and
    /// leading zeros are dropped, and the other radices read the same digits.
    @Test func bigIntegerLiterals() throws {
        let digits = String(repeating: "1234567890", count: 300)
        let value = BigInt(digits, radix: 10)!
        #expect(try quoted(digits) == .integer(value))
        #expect(try quoted("000" + digits) == .integer(value))
        #expect(try quoted("1_" + digits) == .integer(BigInt("1" + digits, radix: 10)!))
        #expect(try quoted("0x" + String(value, radix: 16)) == .integer(value))
        #expect(try quoted("0o" + String(value, radix: 8)) == .integer(value))
        #expect(try quoted("0b" + String(value, radix: 2)) == .integer(value))
    }

    @Test func variablesAndCallsCarryTheirLine() throws {
        let meta = Term.list([.tuple([.atom("line"), .int(3)])])
        #expect(try ElixirParser.quoted("\n\nfoo") == .tuple([.atom("foo"), meta, .nil]))
        let shifted = try ElixirParser.quoted("foo()", line: 3)
        #expect(shifted == .tuple([.atom("foo"), meta, .emptyList]))
    }

    @Test(arguments: [
        "fn ->", "1 +", "foo(", "[1,", "{", "<<1", "%{", "\"abc", "\"\"\"\n  a", "'abc", "~r/a",
        "defmodule Foo do", "if true do 1 else 2", "a |>", "Foo.", "case x do", "x = \"#{", "receive do\n  x -> x",
    ])
    func unfinishedInputIsIncomplete(_ source: String) throws {
        guard case .incomplete = try ElixirParser.parse(source) else {
            Issue.record("expected incomplete for \(source)")
            return
        }
    }

    @Test func quotedThrowsTokenMissingForUnfinishedInput() {
        #expect(throws: SyntaxError.self) { try ElixirParser.quoted("fn ->") }
        do {
            _ = try ElixirParser.quoted("fn ->")
        } catch {
            #expect(error.kind == .tokenMissing)
            #expect(error.message == "missing terminator: end (for \"fn\" starting at line 1)")
        }
    }

    @Test func errorsAreFormattedAsIexPrintsThem() throws {
        let error = try #require(syntaxError(")"))
        #expect(error == SyntaxError(
            file: "iex", line: 1, column: 1, message: "unexpected token: )", kind: .syntax, sourceLine: ")"))
        #expect(error.iexDescription == """
            ** (SyntaxError) iex:1:1: unexpected token: )
                |
              1 | )
                | ^
            """)
        let reserved = try #require(syntaxError("end"))
        #expect(reserved.iexDescription == "** (SyntaxError) iex:1:1: unexpected reserved word: end")
    }

    @Test func fileAndLineAreReported() throws {
        do {
            _ = try ElixirParser.parse("x = 1\n1 +* 2", file: "demo.exs", line: 10)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "demo.exs")
            #expect(error.line == 11 && error.column == 4)
            #expect(error.sourceLine == "1 +* 2")
        }
    }

    @Test func overLongAtomIsASyntaxError() {
        let name = String(repeating: "a", count: 300)
        #expect(syntaxError(":" + name) != nil)
        #expect(syntaxError(":\"" + name + "\"") != nil)
    }

    // MARK: - Hostile input

    @Test func deepParenthesesAreRefused() throws {
        let error = try #require(syntaxError(String(repeating: "(", count: 100_000) + String(repeating: ")", count: 100_000)))
        #expect(error.message.contains("too many nested"))
        let open = try #require(syntaxError(String(repeating: "[", count: 100_000)))
        #expect(open.message.contains("too many nested"))
    }

    @Test func deepOperatorChainsAreRefused() throws {
        #expect(syntaxError(String(repeating: "!", count: 100_000) + "1")?.message.contains("too many nested") == true)
        #expect(syntaxError(String(repeating: "a = ", count: 100_000) + "1")?.message.contains("too many nested") == true)
        #expect(syntaxError(String(repeating: "& ", count: 100_000) + "1")?.message.contains("too many nested") == true)
        #expect(syntaxError(String(repeating: "fn -> ", count: 100_000) + "1" + String(repeating: " end", count: 100_000))?
            .message.contains("too many nested") == true)
    }

    @Test func deepInterpolationIsRefused() throws {
        var source = "x"
        for _ in 0..<3000 { source = "\"#{" + source + "}\"" }
        #expect(syntaxError(source)?.message.contains("too many nested") == true)
    }

    @Test func moderateNestingParses() throws {
        let depth = 500
        let source = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        _ = try quoted(source)
        _ = try quoted(String(repeating: "- ", count: depth) + "1")
    }

    @Test func nestingJustUnderTheLimitParses() throws {
        let depth = Parser.maxDepth - 10
        _ = try quoted(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        _ = try quoted(String(repeating: "!", count: depth) + "1")
        _ = try quoted(Array(repeating: "a", count: depth).joined(separator: " + "))
        _ = try quoted(Array(repeating: "a", count: depth).joined(separator: "."))
    }

    @Test func megabyteLineParsesOrIsRefused() throws {
        let chain = Array(repeating: "a + 1", count: 200_000).joined(separator: " + ")
        #expect(chain.utf8.count > 1_000_000)
        #expect(syntaxError(chain)?.message.contains("too many nested") == true)
        let list = "[" + Array(repeating: "12345", count: 200_000).joined(separator: ", ") + "]"
        #expect(try quoted(list).properList?.count == 200_000)
    }

    @Test func megabyteOfGarbageIsASyntaxError() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let bytes = (0..<50_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let source = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try ElixirParser.parse(source)
            } catch {
                #expect(error.line >= 1)
            }
        }
        let error = try #require(syntaxError(String(repeating: "\u{1}", count: 1_000_000)))
        #expect(error.message == "unexpected token: \"\u{1}\" (column 1, code point U+0001)")
    }

    @Test func unterminatedMegabyteStringIsIncomplete() throws {
        guard case .incomplete = try ElixirParser.parse("\"" + String(repeating: "x", count: 1_000_000)) else {
            Issue.record("expected incomplete")
            return
        }
    }
}
