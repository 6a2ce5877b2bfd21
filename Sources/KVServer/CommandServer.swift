import ETF
import KV
import NodeRuntime

/// The process every kvsh node with a text server registers, so a command routed here costs one
/// request and one reply instead of the guide's task spawn and two remote calls: another node's
/// server sends it a run of lines for buckets this node owns, and it answers each line as this
/// node's own text server would, in order.
///
/// Messages: the call `{:run, [line]}` (lines as binaries, without their line endings), answered
/// `{:ok, [reply]}` (each reply the bytes the server writes, `\r\n` included). A BEAM node running
/// the guide's application has no such process; callers then take the guide's path
/// (`CommandExecutor`).
enum CommandServer {
    static let name = Atom("Elixir.KVServer.CommandServer")
    static let run = Atom("run")

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
            guard let message = try await process.receive(), let call = GenServer.call(in: message) else { continue }
            guard case .tuple(let parts) = call.request, parts.count == 2, parts[0] == .atom(run),
                  let lines = parts[1].properList else {
                GenServer.reply(to: call.from, .tuple([.error, .tuple([.atom("bad_call"), call.request])]), by: process)
                continue
            }
            var replies: [Term] = []
            replies.reserveCapacity(lines.count)
            for line in lines {
                guard case .binary(let bytes) = line else {
                    replies.append(.binary(KVApplication.CommandReply.unknownCommand.bytes))
                    continue
                }
                replies.append(.binary(await CommandExecutor.runHere(Command(parsing: bytes), of: application, in: process)))
            }
            GenServer.reply(to: call.from, .tuple([.ok, .list(replies)]), by: process)
        }
    }
}
