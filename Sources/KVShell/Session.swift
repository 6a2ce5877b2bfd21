import ElixirSyntax
import ETF
import KV

/// The shell loop: prompts, buffers lines until the parser says the expression is complete,
/// hands it to the evaluator and prints the outcome with iex's counter rules.
///
/// It never stops on a bad input: syntax errors, evaluation errors and undecodable bytes are
/// printed and the loop goes on; only the end of input ends it.
public struct Session<Reader: LineReader> {
    /// The first line of every session.
    public static var banner: String {
        "kvsh 0.1.0 (Swift) - press Ctrl+C to cancel a line, Ctrl+D to exit (type h() ENTER for help)"
    }

    public var reader: Reader
    public let output: any ShellOutput
    public let evaluator: any ShellEvaluator
    public let prompt: Prompt
    /// Writes each input line after its prompt, so piped input reads like a transcript.
    public let echo: Bool
    /// Ctrl-C presses to forward to `evaluator.interrupt()` while an expression runs.
    public let interrupts: (any InterruptSource)?

    /// The number in the prompt.
    public private(set) var counter = 1
    /// The lines of the expression being typed, each ending in a newline.
    private var pending = ""

    public init(
        reader: Reader, output: any ShellOutput, evaluator: any ShellEvaluator,
        prompt: Prompt = Prompt(), echo: Bool = false, interrupts: (any InterruptSource)? = nil
    ) {
        self.reader = reader
        self.output = output
        self.evaluator = evaluator
        self.prompt = prompt
        self.echo = echo
        self.interrupts = interrupts
    }

    /// Prints the banner and runs until the end of input.
    ///
    /// At the end of input inside an unfinished expression nothing more is printed, as iex
    /// does with piped input; the expression is dropped.
    public mutating func run() async {
        output.write(Self.banner + "\n")
        while true {
            let text = pending.isEmpty ? prompt.primary(counter: counter) : prompt.continuation(counter: counter)
            switch await reader.readLine(prompt: text) {
            case .endOfInput:
                return
            case .interrupted:
                pending = ""
            case .line(let bytes):
                if echo { output.write(String(decoding: bytes, as: UTF8.self) + "\n") }
                await accept(bytes)
            }
        }
    }

    // MARK: - One line

    private mutating func accept(_ bytes: [UInt8]) async {
        guard let line = String(validating: bytes, as: UTF8.self) else {
            pending = ""
            output.write(Self.invalidEncoding(bytes) + "\n\n")
            return
        }
        if pending.isEmpty && line.allSatisfy(\.isWhitespace) {
            output.write("nil\n")
            counter += 1
            return
        }
        if pending.isEmpty && Command.looksLikeCommand(bytes) {
            finish(line + "\n")
            print(await evaluate { evaluator in await evaluator.run(Command(parsing: bytes)) })
            return
        }
        pending += line + "\n"
        let source = pending
        let quoted: Term
        do {
            switch try ElixirParser.parse(source, file: "iex", line: counter) {
            case .incomplete:
                return
            case .complete(let term):
                quoted = term
            }
        } catch {
            finish(source)
            output.write(error.iexDescription + "\n\n")
            return
        }
        finish(source)
        let number = counter
        print(await evaluate { evaluator in await evaluator.evaluate(quoted, source: source, line: number) })
    }

    /// Writes what an evaluation printed and moves the counter as iex does.
    private mutating func print(_ outcome: EvaluationOutcome) {
        switch outcome {
        case .value(let text):
            if !text.isEmpty { output.write(text + "\n") }
            counter += 1
        case .error(let text):
            output.write(text + "\n")
        case .shellRestarted(let text):
            output.write(text + "\n")
            counter = 1
        }
    }

    /// Ends the pending expression and keeps it as one history entry.
    private mutating func finish(_ source: String) {
        pending = ""
        reader.recordHistory(String(source.dropLast()))
    }

    /// Runs an evaluation, forwarding Ctrl-C to the evaluator until it returns.
    private func evaluate(
        _ body: @escaping @Sendable (any ShellEvaluator) async -> EvaluationOutcome
    ) async -> EvaluationOutcome {
        let evaluator = self.evaluator
        guard let interrupts else { return await body(evaluator) }
        return await withTaskGroup(of: EvaluationOutcome?.self) { group in
            group.addTask { await body(evaluator) }
            group.addTask {
                while !Task.isCancelled {
                    guard await interrupts.nextInterrupt() else { break }
                    await evaluator.interrupt()
                }
                return nil
            }
            var outcome: EvaluationOutcome = .error("")
            for await result in group {
                if let result {
                    outcome = result
                    group.cancelAll()
                }
            }
            return outcome
        }
    }

    /// iex's error for a line that is not UTF-8 (`String.to_charlist/1` fails on it), listing
    /// the bytes from the first bad one, newline included, at most 50 as `inspect` would.
    static func invalidEncoding(_ bytes: [UInt8]) -> String {
        var start = 0
        var index = 0
        while index < bytes.count {
            let length = Self.validSequenceLength(bytes, at: index)
            if length == 0 {
                start = index
                break
            }
            index += length
        }
        let rest = Array(bytes[start...]) + [UInt8(ascii: "\n")]
        var items = rest.prefix(50).map(String.init)
        if rest.count > 50 { items.append("...") }
        return "** (UnicodeConversionError) invalid encoding starting at <<\(items.joined(separator: ", "))>>"
    }

    /// The length of the valid UTF-8 sequence at `index`, or 0 when it is invalid.
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        let sequence = Array(bytes[index..<index + length])
        return String(validating: sequence, as: UTF8.self) == nil ? 0 : length
    }
}
