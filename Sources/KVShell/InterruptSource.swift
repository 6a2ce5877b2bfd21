#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Ctrl-C presses, as the session sees them while an expression runs.
public protocol InterruptSource: Sendable {
    /// Waits for the next Ctrl-C; `false` when the waiting task was cancelled.
    func nextInterrupt() async -> Bool
}

/// Ctrl-C presses not yet handled. The signal handler may only touch lock-free state, so the
/// count is an atomic that the handler increments and the shell exchanges back to zero.
private let pendingInterrupts = Atomic<Int>(0)

/// Routes SIGINT to the shell instead of killing the process.
///
/// The handler is installed with `sigaction` without `SA_RESTART`, so a Ctrl-C also makes a
/// blocked `read(2)` (piped input, or libedit on a terminal) return `EINTR`: the readers then
/// call `takePending()` to tell an interrupted line from the end of input.
public struct SignalInterrupts: InterruptSource {
    /// How often a waiting evaluation looks for a Ctrl-C; short enough to feel immediate.
    let pollInterval: Duration

    /// Installs the SIGINT handler (once per process is enough; installing again is harmless).
    public init(pollInterval: Duration = .milliseconds(20)) {
        self.pollInterval = pollInterval
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in pendingInterrupts.add(1, ordering: .relaxed) }
        #else
        action.__sigaction_u.__sa_handler = { _ in pendingInterrupts.add(1, ordering: .relaxed) }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Whether Ctrl-C was pressed since the last call; clears it.
    public static func takePending() -> Bool {
        pendingInterrupts.exchange(0, ordering: .relaxed) > 0
    }

    public func nextInterrupt() async -> Bool {
        while true {
            if Self.takePending() { return true }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return false
            }
        }
    }
}
