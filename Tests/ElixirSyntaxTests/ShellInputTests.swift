import ETF
import Testing
@testable import ElixirSyntax

/// The shell buffers lines until the parser stops answering `.incomplete`, as iex shows `...>`.
@Suite struct ShellInputTests {
    /// Multi-line inputs the guide types at the iex prompt; iex shows `...>` after every line but the last.
    static let guideInputs = [
        """
        defmodule Hello do
          def world, do: IO.puts "hello world"
        end
        """,
        """
        pid = Node.spawn_link :"foo@computer-name", fn ->
          receive do
            {:ping, client} -> send client, :pong
          end
        end
        """,
        """
        task = Task.Supervisor.async {KV.RouterTasks, :"foo@computer-name"}, fn ->
          {:ok, node()}
        end
        """,
        """
        [
          {?a..?m, :"foo@computer-name"},
          {?n..?z, :"bar@computer-name"}
        ]
        """,
    ]

    @Test(arguments: guideInputs)
    func everyLineButTheLastAsksForMore(_ input: String) throws {
        let lines = input.split(separator: "\n", omittingEmptySubsequences: false)
        var buffer = ""
        for (number, line) in lines.enumerated() {
            buffer += line + "\n"
            let result = try ElixirParser.parse(buffer)
            switch result {
            case .incomplete:
                #expect(number < lines.count - 1, "the whole input should be complete")
            case .complete:
                #expect(number == lines.count - 1, "complete too early, after line \(number + 1)")
            }
        }
    }

    @Test func trailingNewlineDoesNotMatter() throws {
        guard case .complete(let withNewline) = try ElixirParser.parse("send pid, {:ping, self()}\n"),
              case .complete(let without) = try ElixirParser.parse("send pid, {:ping, self()}") else {
            Issue.record("expected both to parse")
            return
        }
        #expect(withNewline == without)
    }

    @Test func errorOnALaterLineReportsThatLine() throws {
        do {
            _ = try ElixirParser.parse("x = [1,\n2 3]\n")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.iexDescription == """
                ** (SyntaxError) iex:2:3: syntax error before: "3"
                    |
                  2 | 2 3]
                    |   ^
                """)
        }
    }

    @Test func emptyAndBlankInputIsAnEmptyBlock() throws {
        let empty = Term.tuple([.atom("__block__"), .emptyList, .emptyList])
        for source in ["", "\n", "   \n\n", "# just a comment\n"] {
            guard case .complete(let term) = try ElixirParser.parse(source) else {
                Issue.record("incomplete: \(source.debugDescription)")
                continue
            }
            #expect(term == empty)
        }
    }
}
