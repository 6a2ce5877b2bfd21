import ETF
import NodeRuntime

/// The registered processes a BEAM peer talks to as soon as it is connected, in their simplest
/// useful form: `net_kernel` (what `Node.ping` asks), `rex` (rpc's features question), and
/// `global_name_server` (`GlobalNameServer`, `global`'s connect protocol).
enum SystemProcesses {
    static func start(on node: LocalNode) {
        register("net_kernel", on: node) { process, message in
            // {:"$gen_call", from, {:is_auth, node}}: Node.ping's question.
            guard let (from, request) = GenServer.call(in: message) else { return }
            if case .tuple(let parts) = request, parts.first == .atom("is_auth") {
                GenServer.reply(to: from, .atom("yes"), by: process)
            } else {
                GenServer.reply(to: from, .tuple([.error, .atom("not_supported")]), by: process)
            }
        }
        register("rex", on: node) { process, message in
            // {pid, :features_request} after connect: we speak erpc.
            guard case .tuple(let parts) = message, parts.count == 2, case .pid(let from) = parts[0],
                  parts[1] == .atom("features_request") else { return }
            node.send(.tuple([.atom("features_reply"), .atom(node.name), .list([.atom("erpc")])]), to: from)
        }
        GlobalNameServer.start(on: node)
    }

    private static func register(
        _ name: String, on node: LocalNode, serve: @escaping @Sendable (NodeRuntime.Process, Term) -> Void
    ) {
        let pid = node.spawn { process in
            while let message = try await process.receive() { serve(process, message) }
        }.pid
        try? node.register(Atom(name), pid)
    }
}
