import ETF
import KV
import NodeRuntime

/// The one process through which this node's connections send runs of commands to another kvsh
/// node's `CommandServer`: it gathers the runs waiting in its mailbox into one message
/// (`{:runs, self, ref, [[line]]}`, answered `{ref, [[reply]]}`), keeps several such messages in
/// flight, and holds one monitor on the command server for all of them, where a `GenServer.call`
/// per run would cost a monitor, a demonitor and a process per run.
///
/// Order: the command server answers the messages of one sender in order, as distribution
/// delivers them; each run's replies go back to its connection by id.
enum CommandForwarder {
    static let runs = Atom("runs")
    static let run = Atom("run")

    /// What became of a run sent here.
    enum Outcome: Sendable {
        case replies([[UInt8]])
        /// The node has no command server (a BEAM node): the run must take the guide's path.
        case noCommandServer
        /// The node went down or the monitor failed: `reason` is the monitor's.
        case failed(reason: Term)
    }

    /// Runs until its monitor on `owner`'s command server fires; `complete` gets each run's
    /// outcome; `leave` takes the forwarder out of its table before it reads its last messages.
    static func serve(
        owner: Atom, in process: Process, leave: @Sendable () -> Void,
        complete: @Sendable (Int, Outcome) -> Void
    ) async throws {
        let node = process.node
        let monitor = node.monitor(process, name: CommandServer.name, node: owner)
        var pending: [Reference: [Int]] = [:]
        while true {
            guard let message = try await process.receive() else { continue }
            if let (id, lines) = run(in: message) {
                var ids = [id]
                var batch: [Term] = [.list(lines)]
                while let (nextID, nextLines) = try await process.receive(timeout: .milliseconds(0), run(in:)) {
                    ids.append(nextID)
                    batch.append(.list(nextLines))
                }
                let ref = node.makeReference()
                pending[ref] = ids
                node.remoteRouter?.send(
                    .tuple([.atom(runs), .pid(process.pid), .reference(ref), .list(batch)]),
                    toName: CommandServer.name, on: owner, from: process.pid)
                continue
            }
            guard case .tuple(let parts) = message else { continue }
            if parts.count == 2, case .reference(let ref) = parts[0], let ids = pending.removeValue(forKey: ref) {
                let results = parts[1].properList ?? []
                for (index, id) in ids.enumerated() {
                    let replies = index < results.count ? results[index].properList ?? [] : []
                    complete(id, .replies(replies.map { reply in
                        if case .binary(let bytes) = reply { return bytes }
                        return CommandExecutor.errorLine("bad reply from \(Term.atom(owner).inspect())")
                    }))
                }
            } else if parts.count == 5, parts[0] == .atom(.down), parts[1] == .reference(monitor) {
                let outcome: Outcome = parts[4] == .atom(.noproc) ? .noCommandServer : .failed(reason: parts[4])
                for id in pending.values.joined() { complete(id, outcome) }
                leave()
                // Runs that came after the monitor fired share its outcome.
                while let (id, _) = try await process.receive(timeout: .milliseconds(0), run(in:)) { complete(id, outcome) }
                return
            }
        }
    }

    /// `{:run, id, [line]}`, the message a connection sends through `CommandExecutor.submit`.
    static func run(in message: Term) -> (Int, [Term])? {
        guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom(CommandForwarder.run),
              case .int(let id) = parts[1], let lines = parts[2].properList else { return nil }
        return (id, lines)
    }
}
