import ETF
import KV
import NodeRuntime
import Synchronization

/// Runs the commands a connection cannot answer on the spot (`KVApplication.runDirectly`), in a
/// process of the node: a run of commands for another kvsh node goes to that node's
/// `CommandServer` in one call; anything else, and every command for a node without a command
/// server (a BEAM node running the guide's application), takes the guide's path,
/// `KVApplication.run` (`KV.Router.route`).
final class CommandExecutor: Sendable {
    let application: KVApplication
    /// Nodes whose command server was missing, and when: they are asked again after `recheckAfter`
    /// (a node may come back as kvsh).
    private let withoutCommandServer = Mutex<[Atom: ContinuousClock.Instant]>([:])
    private static let recheckAfter: Duration = .seconds(5)

    init(application: KVApplication) {
        self.application = application
    }

    /// The replies to `lines`, in order; every command of the run is for `owner`.
    /// Never throws: a failure is an error line for each command it concerns.
    func run(_ lines: [[UInt8]], owner: Atom?, in process: Process) async -> [[UInt8]] {
        if let owner, owner != application.node.name, hasCommandServer(owner) {
            let request = Term.tuple([.atom(CommandServer.run), .list(lines.map(Term.binary))])
            do {
                let reply = try await GenServer.call(.named(CommandServer.name, node: owner), request, from: process)
                if case .tuple(let parts) = reply, parts.count == 2, parts[0] == .ok, let replies = parts[1].properList,
                   replies.count == lines.count {
                    return replies.map { reply in
                        if case .binary(let bytes) = reply { return bytes }
                        return Self.errorLine("bad reply from \(Term.atom(owner).inspect())")
                    }
                }
                let line = Self.errorLine("bad reply from \(Term.atom(owner).inspect()): \(reply.inspect())")
                return lines.map { _ in line }
            } catch let error as GenServer.CallError where error.reason == .atom(.noproc) {
                withoutCommandServer.withLock { $0[owner] = .now }
            } catch {
                let line = Self.errorLine(error)
                return lines.map { _ in line }
            }
        }
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
