import ETF
import KV
import NodeRuntime

/// The process every kvsh node with a text server registers, so a command routed here costs one
/// request and one reply instead of the guide's task spawn and two remote calls: another node's
/// server sends it a run of lines for buckets this node owns, and it answers each line as this
/// node's own text server would, in order.
///
/// Its one message: `{:runs, pid, ref, [[line]]}` from a `CommandForwarder` (lines as binaries,
/// without their line endings), answered `{ref, [[reply]]}` (each reply the bytes the server
/// writes, `\r\n` included); anything else is dropped. A BEAM node running
/// the guide's application has no such process; callers then take the guide's path
/// (`CommandExecutor`).
enum CommandServer {
    static let name = Atom("Elixir.KVServer.CommandServer")

    /// Starts and registers the command server on the application's node.
    /// - Throws: `RegistrationError` when the name is taken (a server already runs there).
    static func start(for application: KVApplication) throws {
        let node = application.node
        let pid = node.spawn { process in
            try await serve(application, in: process)
        }.pid
        do {
            try node.register(name, pid)
        } catch {
            node.exit(pid, reason: .atom(.kill), from: pid)
            throw error
        }
    }

    private static func serve(_ application: KVApplication, in process: Process) async throws {
        while true {
            guard let message = try await process.receive(),
                  case .tuple(let parts) = message, parts.count == 4, parts[0] == .atom(CommandForwarder.runs),
                  case .pid(let sender) = parts[1], let runs = parts[3].properList else { continue }
            var results: [Term] = []
            for run in runs { results.append(await answer(run, of: application, in: process)) }
            process.node.send(.tuple([parts[2], .list(results)]), to: sender)
        }
    }

    /// The replies to a list of lines, as a list of binaries.
    private static func answer(_ lines: Term, of application: KVApplication, in process: Process) async -> Term {
        var replies: [Term] = []
        for line in lines.properList ?? [] {
            guard case .binary(let bytes) = line else {
                replies.append(.binary(KVApplication.CommandReply.unknownCommand.bytes))
                continue
            }
            replies.append(.binary(await CommandExecutor.runHere(Command(parsing: bytes), of: application, in: process)))
        }
        return .list(replies)
    }
}
