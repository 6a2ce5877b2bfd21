import ETF
import KV
import KVShell

/// Collects everything the session prints.
final class Transcript: ShellOutput {
    var text = ""
    func write(_ text: String) { self.text += text }
}

/// Feeds fixed lines and writes each prompt to the transcript, as piped stdin does.
struct ScriptedReader: LineReader {
    var inputs: [LineInput]
    let transcript: Transcript
    var history: [String] = []

    init(_ lines: [String], transcript: Transcript) {
        self.inputs = lines.map { .line(Array($0.utf8)) }
        self.transcript = transcript
    }

    init(inputs: [LineInput], transcript: Transcript) {
        self.inputs = inputs
        self.transcript = transcript
    }

    mutating func readLine(prompt: String) async -> LineInput {
        transcript.write(prompt)
        return inputs.isEmpty ? .endOfInput : inputs.removeFirst()
    }

    mutating func recordHistory(_ entry: String) { history.append(entry) }
}

/// Answers from the source text, so tests can steer the outcome:
/// `raise` → an error, `restart` → a shell restart, `quiet` → a result not shown (as `h`'s),
/// anything else → the source, trimmed.
struct EchoEvaluator: ShellEvaluator {
    func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome {
        let text = source.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("raise") { return .error("** (RuntimeError) boom at line \(line)\n") }
        if text == "restart" {
            return .shellRestarted("** (EXIT from #PID<0.114.0>) shell process exited with reason: killed\n")
        }
        if text == "quiet" { return .value("") }
        return .value(text)
    }

    /// `routed BUCKET` for a command, the server's `UNKNOWN COMMAND` otherwise.
    func run(_ command: Command?) async -> EvaluationOutcome {
        guard let command else { return .value("UNKNOWN COMMAND") }
        return .value("routed " + String(decoding: command.bucket, as: UTF8.self))
    }

    func interrupt() async {}
}

extension String {
    func trimmingCharacters(in set: CharacterSetLike) -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}

enum CharacterSetLike { case whitespacesAndNewlines }

let banner = "kvsh 0.1.0 (Swift) - press Ctrl+C to cancel a line, Ctrl+D to exit (type h() ENTER for help)\n"

/// Runs a whole session over `lines` and returns what it printed.
func runSession(
    _ lines: [String], nodeName: String? = nil, echo: Bool = false,
    evaluator: any ShellEvaluator = EchoEvaluator()
) async -> String {
    let transcript = Transcript()
    var session = Session(
        reader: ScriptedReader(lines, transcript: transcript), output: transcript, evaluator: evaluator,
        prompt: Prompt(nodeName: nodeName), echo: echo)
    await session.run()
    return transcript.text
}
