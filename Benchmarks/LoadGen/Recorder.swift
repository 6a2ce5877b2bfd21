/// What a run has seen so far: the latency of every timed reply, the wrong answers (counted in
/// the warm-up too: a wrong answer is wrong whenever it comes) and the first few of them in full.
final class Recorder {
    /// Whether replies count towards the figures (false during the warm-up).
    var timing = false
    private(set) var latencies: [UInt64] = []
    private(set) var wrong = 0
    private(set) var reports: [String] = []
    private static let reportLimit = 5

    init(expectedReplies: Int) { latencies.reserveCapacity(expectedReplies) }

    func answered(latency: UInt64) {
        if timing { latencies.append(latency) }
    }

    func wrongAnswer(command: ArraySlice<UInt8>, expected: ArraySlice<UInt8>, got: UnsafeBufferPointer<UInt8>.SubSequence) {
        wrong += 1
        if reports.count < Self.reportLimit {
            reports.append("WRONG ANSWER cmd=\(Escaped(command)) expected=\(Escaped(expected)) got=\(Escaped(got))")
        }
    }

    /// A connection failed: each reply that never came is a wrong answer, and a connection lost
    /// between batches still counts one, so a run that lost any connection is never clean.
    func unanswered(_ count: Int, reason: String) {
        wrong += max(1, count)
        if reports.count < Self.reportLimit { reports.append("CONNECTION FAILED (\(count) replies missing): \(reason)") }
    }
}
