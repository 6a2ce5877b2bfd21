import Glibc

/// What every run shares, from the command line.
struct RunSettings: Sendable {
    let endpoints: [Endpoint]
    let connections: Int
    /// Commands per write: 1 in request/response mode.
    let depth: Int
    /// Seconds of timed load.
    let duration: Double
    /// Untimed (but checked) ops per connection before the timed part.
    let warmup: Int
    /// Seconds a connection may wait for a reply before it is given up.
    let timeout: Double
    let mix: Mix
    let buckets: [String]
    let keys: Int
    let seed: UInt64
    let serverPids: [Int32]
}

/// One run: fresh connections with keys of their own (a new tag), the warm-up, then `duration`
/// seconds during which every connection writes a batch as soon as the previous one is answered.
/// The run ends when the last batch written before the deadline is answered; ops/s counts every
/// timed reply over the time from the start to that last reply.
struct LoadRun {
    let settings: RunSettings
    let number: Int

    func perform() throws(LoadGenError) -> RunResult {
        let tag = "\(getpid() % 1000)r\(number)x\(UInt32.random(in: 0..<100_000))"
        let poller = Poller(capacity: settings.connections)
        var connections: [Connection] = []
        for index in 0..<settings.connections {
            let workload = Workload(
                connection: index, tag: tag, seed: settings.seed, run: number, mix: settings.mix,
                buckets: settings.buckets, keyCount: settings.keys)
            connections.append(try Connection(
                index: index, endpoint: settings.endpoints[index % settings.endpoints.count],
                poller: poller, workload: workload, depth: settings.depth))
        }
        let recorder = Recorder(expectedReplies: 1 << 20)

        if settings.warmup > 0 {
            for connection in connections {
                connection.opsLeft = settings.warmup
                connection.startBatch(count: min(settings.depth, settings.warmup), recorder: recorder)
            }
            drive(connections, poller: poller, recorder: recorder) { connection, _ in
                connection.opsLeft -= settings.depth
                return connection.opsLeft > 0 ? min(settings.depth, connection.opsLeft) : nil
            }
        }

        recorder.timing = true
        let serverStart = CPUTime.seconds(settings.serverPids)
        let clientStart = CPUTime.ownSeconds()
        let startedAt = Clock.now()
        let deadline = startedAt + UInt64(settings.duration * 1e9)
        var lastReply = startedAt
        for connection in connections where connection.state == .idle {
            connection.startBatch(count: settings.depth, recorder: recorder)
        }
        drive(connections, poller: poller, recorder: recorder) { _, now in
            if now < deadline { return settings.depth }
            lastReply = max(lastReply, now)
            return nil
        }
        // A connection that failed never reached the deadline: the run then lasted until now.
        let endedAt = connections.contains { $0.state == .failed } ? Clock.now() : lastReply
        let clientCPU = CPUTime.ownSeconds() - clientStart
        let serverCPU = CPUTime.seconds(settings.serverPids).flatMap { end in serverStart.map { end - $0 } }
        return RunResult(
            latencies: recorder.latencies, elapsed: Double(endedAt - startedAt) / 1e9, wrong: recorder.wrong,
            reports: recorder.reports, clientCPU: clientCPU, serverCPU: serverCPU)
    }

    /// Serves every connection's events until none has a batch outstanding. When a batch is all
    /// answered, `next` says how many commands the connection writes now (nil: it is done).
    private func drive(
        _ connections: [Connection], poller: Poller, recorder: Recorder, next: (Connection, UInt64) -> Int?
    ) {
        let timeout = UInt64(settings.timeout * 1e9)
        while connections.contains(where: { $0.state == .waiting }) {
            for (index, events) in poller.wait(milliseconds: 100) {
                let connection = connections[index]
                if events.isWritable && connection.state == .waiting { connection.flush(recorder: recorder) }
                guard events.isReadable else { continue }
                connection.receive(recorder: recorder)
                if connection.state == .idle, let count = next(connection, Clock.now()) {
                    connection.startBatch(count: count, recorder: recorder)
                }
            }
            let now = Clock.now()
            for connection in connections where connection.state == .waiting && now - connection.sentAt > timeout {
                connection.fail("no reply for \(settings.timeout)s", recorder: recorder)
            }
        }
    }
}
