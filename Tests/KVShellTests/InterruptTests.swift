import ETF
import KV
import Synchronization
import Testing
@testable import KVShell

/// Reports one Ctrl-C, then waits until cancelled.
final class OneInterrupt: InterruptSource {
    let delivered = Atomic<Bool>(false)

    func nextInterrupt() async -> Bool {
        if !delivered.exchange(true, ordering: .relaxed) { return true }
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        return false
    }
}

/// Runs "forever" until interrupted, then answers like an interrupted iex evaluation.
actor BlockingEvaluator: ShellEvaluator {
    private var interrupted = false

    func evaluate(_ quoted: Term, source: String, line: Int) async -> EvaluationOutcome {
        while !interrupted { try? await Task.sleep(for: .milliseconds(5)) }
        interrupted = false
        return .error("** (EXIT) interrupted\n")
    }

    func run(_ command: Command?) async -> EvaluationOutcome { .value("") }

    func interrupt() async { interrupted = true }
}

@Suite struct InterruptTests {
    @Test func ctrlCDuringEvaluationReachesTheEvaluatorAndTheLoopGoesOn() async {
        let transcript = Transcript()
        var session = Session(
            reader: ScriptedReader([":timer.sleep(:infinity)"], transcript: transcript), output: transcript,
            evaluator: BlockingEvaluator(), interrupts: OneInterrupt())
        await session.run()
        #expect(transcript.text == banner + "iex(1)> ** (EXIT) interrupted\n\niex(1)> ")
    }
}
