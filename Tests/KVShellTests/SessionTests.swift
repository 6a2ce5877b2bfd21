import ETF
import Testing
@testable import KVShell

@Suite struct SessionTests {
    @Test func promptsAndValuesLikePipedIex() async {
        let text = await runSession(["1", "2"])
        #expect(text == banner + "iex(1)> 1\niex(2)> 2\niex(3)> ")
    }

    @Test func nodeNameInPrompts() async {
        let text = await runSession(["1 +", "2"], nodeName: "foo@vm")
        #expect(text == banner + "iex(foo@vm)1> ...(foo@vm)1> 1 +\n2\niex(foo@vm)2> ")
    }

    @Test func emptyLinePrintsNilAndAdvances() async {
        let text = await runSession(["", "   "])
        #expect(text == banner + "iex(1)> nil\niex(2)> nil\niex(3)> ")
    }

    @Test func emptyLineInsideAnExpressionContinuesIt() async {
        let text = await runSession(["foo(", "", ")"])
        #expect(text == banner + "iex(1)> ...(1)> ...(1)> foo(\n\n)\niex(2)> ")
    }

    /// iex prints no result for `h Enum.map/2`, but its counter advances.
    @Test func aResultNotShownPrintsNothingAndAdvances() async {
        let text = await runSession(["quiet", "1"])
        #expect(text == banner + "iex(1)> iex(2)> 1\niex(3)> ")
    }

    /// `PUT shopping milk 1` is not Elixir: the shell runs it as the text server would.
    @Test func bucketCommandsRunThroughTheEvaluatorAndAdvance() async {
        let text = await runSession(["PUT shopping milk 1", "GET shopping", "GET", "1 +", "CREATE"])
        #expect(text == banner + "iex(1)> routed shopping\niex(2)> UNKNOWN COMMAND\niex(3)> GET\niex(4)> ...(4)> 1 +\nCREATE\niex(5)> ")
    }

    @Test func errorDoesNotAdvance() async {
        let text = await runSession(["1", "raise 1", "2"])
        #expect(text == banner + "iex(1)> 1\niex(2)> ** (RuntimeError) boom at line 2\n\niex(2)> 2\niex(3)> ")
    }

    @Test func syntaxErrorPrintsIexTextAndDoesNotAdvance() async {
        let text = await runSession(["1 + )", "2"])
        let expected = banner + """
            iex(1)> ** (SyntaxError) iex:1:5: unexpected token: )
                |
              1 | 1 + )
                |     ^

            iex(1)> 2
            iex(2)> 
            """
        #expect(text == expected)
    }

    @Test func syntaxErrorUsesTheCounterAsLineNumber() async {
        let text = await runSession(["1", "2", ")"])
        #expect(text.contains("** (SyntaxError) iex:3:1: unexpected token: )"))
    }

    @Test func shellRestartResetsCounter() async {
        let text = await runSession(["1", "2", "restart", "3"])
        #expect(
            text == banner
                + "iex(1)> 1\niex(2)> 2\niex(3)> ** (EXIT from #PID<0.114.0>) shell process exited with reason: killed\n\n"
                + "iex(1)> 3\niex(2)> ")
    }

    @Test func endOfInputInsideAnExpressionPrintsNothingMore() async {
        let text = await runSession(["1", "x = \"abc"])
        #expect(text == banner + "iex(1)> 1\niex(2)> ...(2)> ")
    }

    @Test func echoPrintsEachLineAfterItsPrompt() async {
        let text = await runSession(["1 +", " 2", "", "raise"], echo: true)
        #expect(
            text == banner
                + "iex(1)> 1 +\n...(1)>  2\n1 +\n 2\niex(2)> \nnil\niex(3)> raise\n** (RuntimeError) boom at line 3\n\niex(3)> "
        )
    }

    @Test func invalidUTF8IsAnErrorNotACrash() async {
        let transcript = Transcript()
        var bad = Array("\"".utf8)
        bad += [0xFF, 0x22]
        let reader = ScriptedReader(inputs: [.line(Array("1".utf8)), .line(bad), .line(Array("2".utf8))], transcript: transcript)
        var session = Session(reader: reader, output: transcript, evaluator: EchoEvaluator())
        await session.run()
        #expect(
            transcript.text == banner
                + "iex(1)> 1\niex(2)> ** (UnicodeConversionError) invalid encoding starting at <<255, 34, 10>>\n\niex(2)> 2\niex(3)> ")
    }

    @Test func interruptedLineDropsThePendingExpression() async {
        let transcript = Transcript()
        let reader = ScriptedReader(
            inputs: [.line(Array("foo(".utf8)), .interrupted, .line(Array("1".utf8))], transcript: transcript)
        var session = Session(reader: reader, output: transcript, evaluator: EchoEvaluator())
        await session.run()
        #expect(transcript.text == banner + "iex(1)> ...(1)> iex(1)> 1\niex(2)> ")
    }

    @Test func multiLineExpressionIsOneHistoryEntry() async {
        let transcript = Transcript()
        var session = Session(
            reader: ScriptedReader(["defmodule Hello do", "  def world, do: 1", "end", "2"], transcript: transcript),
            output: transcript, evaluator: EchoEvaluator())
        await session.run()
        #expect(session.reader.history == ["defmodule Hello do\n  def world, do: 1\nend", "2"])
    }

    @Test func invalidEncodingListsAtMostFiftyBytes() {
        let text = Session<ScriptedReader>.invalidEncoding([0x61] + Array(repeating: 0xFF, count: 100))
        #expect(text.hasPrefix("** (UnicodeConversionError) invalid encoding starting at <<255, 255,"))
        #expect(text.hasSuffix(", ...>>"))
    }
}

@Suite struct PromptTests {
    @Test func withAndWithoutNodeName() {
        #expect(Prompt().primary(counter: 3) == "iex(3)> ")
        #expect(Prompt().continuation(counter: 3) == "...(3)> ")
        #expect(Prompt(nodeName: "foo@vm").primary(counter: 1) == "iex(foo@vm)1> ")
        #expect(Prompt(nodeName: "foo@vm").continuation(counter: 12) == "...(foo@vm)12> ")
    }
}
