import ETF
import KV
import NIOCore
import NodeRuntime
import Synchronization

/// Runs the commands a connection cannot answer on the spot (`KVApplication.runDirectly`): a run
/// of commands for another kvsh node goes to that node's `CommandServer` through this node's
/// `CommandForwarder` for it; anything else, and every command for a node without a command
/// server (a BEAM node running the guide's application), runs in a process of its own on the
/// guide's path, `KVApplication.run` (`KV.Router.route`).
final class CommandExecutor: Sendable {
    let application: KVApplication
    /// Nodes whose command server was missing, and when: they are asked again after `recheckAfter`
    /// (a node may come back as kvsh).
    private let withoutCommandServer = Mutex<[Atom: ContinuousClock.Instant]>([:])
    private static let recheckAfter: Duration = .seconds(5)
    private static let runTimeout: TimeAmount = .seconds(5)

    private struct Submitted {
        let lines: [[UInt8]]
        let owner: Atom
        let promise: EventLoopPromise<[[UInt8]]>
    }

    /// Runs sent to forwarders and not yet answered, by id.
    private let submitted = Mutex<(nextID: Int, runs: [Int: Submitted])>((0, [:]))
    /// The forwarder for each node. A connection sends to a forwarder under this lock, and a
    /// forwarder leaves the table under it before it takes its last messages, so no run is sent
    /// to a forwarder that no longer reads.
    private let forwarders = Mutex<[Atom: Pid]>([:])

    init(application: KVApplication) {
        self.application = application
    }

    /// Runs `lines`, all for `owner`, and fulfils `promise` with their replies in order; never fails it.
    func submit(_ lines: [[UInt8]], owner: Atom, promise: EventLoopPromise<[[UInt8]]>) {
        guard owner != application.node.name, hasCommandServer(owner) else {
            runInProcess(lines, promise: promise)
            return
        }
        let id = submitted.withLock { state in
            state.nextID += 1
            state.runs[state.nextID] = Submitted(lines: lines, owner: owner, promise: promise)
            return state.nextID
        }
        // A node that stopped answering (suspended, partitioned) is noticed by the net tick only
        // after a minute: the client gets an error line after a call's usual 5 s instead. A late
        // answer finds its run gone and is dropped.
        let timeout = promise.futureResult.eventLoop.scheduleTask(in: Self.runTimeout) { [self] in
            complete(id, .failed(reason: .atom("timeout")))
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        let message = Term.tuple([.atom(CommandForwarder.run), .int(id), .list(lines.map(Term.binary))])
        let node = application.node
        forwarders.withLock { table in
            let pid = table[owner] ?? startForwarder(for: owner, in: &table)
            node.send(message, to: pid)
        }
    }

    private func startForwarder(for owner: Atom, in table: inout [Atom: Pid]) -> Pid {
        let pid = application.node.spawn { [self] process in
            try await CommandForwarder.serve(owner: owner, in: process, leave: {
                forwarders.withLock { table in
                    if table[owner] == process.pid { table.removeValue(forKey: owner) }
                }
            }, complete: { id, outcome in
                complete(id, outcome)
            })
        }.pid
        table[owner] = pid
        return pid
    }

    private func complete(_ id: Int, _ outcome: CommandForwarder.Outcome) {
        guard let run = submitted.withLock({ $0.runs.removeValue(forKey: id) }) else { return }
        switch outcome {
        case .replies(let replies) where replies.count == run.lines.count:
            run.promise.succeed(replies)
        case .replies:
            run.promise.succeed(run.lines.map { _ in Self.errorLine("bad reply from \(Term.atom(run.owner).inspect())") })
        case .noCommandServer:
            withoutCommandServer.withLock { $0[run.owner] = .now }
            runInProcess(run.lines, promise: run.promise)
        case .failed(let reason):
            let line = reason == .atom("noconnection")
                ? Self.errorLine("node \(Term.atom(run.owner).inspect()) is down")
                : Self.errorLine(reason.inspect())
            run.promise.succeed(run.lines.map { _ in line })
        }
    }

    private func runInProcess(_ lines: [[UInt8]], promise: EventLoopPromise<[[UInt8]]>) {
        application.node.spawn { [self] process in
            // A linked remote task that fails must end in an error line, not in this process's death.
            process.trapExit = true
            promise.succeed(await run(lines, in: process))
        }
    }

    /// The replies to `lines`, in order, each run here or on the guide's path.
    /// Never throws: a failure is an error line for each command it concerns.
    private func run(_ lines: [[UInt8]], in process: Process) async -> [[UInt8]] {
        var replies: [[UInt8]] = []
        for line in lines {
            replies.append(await Self.runHere(Command(parsing: line), of: application, in: process))
        }
        return replies
    }

    /// One command answered on this node: directly when it can be, else as the guide's
    /// `KVServer.Command.run/1` (routed); a failure is an error line.
    static func runHere(_ command: Command?, of application: KVApplication, in process: Process) async -> [UInt8] {
        guard let command else { return KVApplication.CommandReply.unknownCommand.bytes }
        if let reply = application.runDirectly(command) { return reply.bytes }
        do {
            return try await application.run(command, in: process).bytes
        } catch {
            return errorLine(error)
        }
    }

    private func hasCommandServer(_ node: Atom) -> Bool {
        withoutCommandServer.withLock { missing in
            guard let since = missing[node] else { return true }
            if since.duration(to: .now) < Self.recheckAfter { return false }
            missing.removeValue(forKey: node)
            return true
        }
    }

    /// `ERROR <why>\r\n`: what a client gets instead of a hang or a closed connection when a
    /// command cannot be carried out (the owning node is down, a call timed out).
    static func errorLine(_ error: any Error) -> [UInt8] {
        if let exit = error as? any ExitReasonProviding {
            if case .tuple(let parts) = exit.exitReason, parts.count == 2,
               case .tuple(let inner) = parts[0], inner.count == 2, inner[0] == .atom("nodedown") {
                return errorLine("node \(inner[1].inspect()) is down")
            }
            return errorLine(exit.exitReason.inspect())
        }
        return errorLine(String(describing: error))
    }

    static func errorLine(_ text: String) -> [UInt8] {
        let oneLine = text.map { $0.isNewline ? " " : $0 }
        return Array("ERROR \(String(oneLine))\r\n".utf8)
    }
}
