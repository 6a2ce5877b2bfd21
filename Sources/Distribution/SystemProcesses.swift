import ETF
import NodeRuntime

/// The registered processes a BEAM peer talks to as soon as it is connected, in their simplest
/// useful form: `net_kernel` (what `Node.ping` asks), `rex` (rpc's features question) and a
/// `global_name_server` that accepts the casts of `global`'s connect protocol.
enum SystemProcesses {
    static func start(on node: LocalNode) {
        register("net_kernel", on: node) { process, message in
            // {:"$gen_call", from, {:is_auth, node}}: Node.ping's question.
            guard let (from, request) = genCall(message) else { return }
            if case .tuple(let parts) = request, parts.first == .atom("is_auth") {
                reply(to: from, .atom("yes"), by: process)
            } else {
                reply(to: from, .tuple([.error, .atom("not_supported")]), by: process)
            }
        }
        register("rex", on: node) { process, message in
            // {pid, :features_request} after connect: we speak erpc.
            guard case .tuple(let parts) = message, parts.count == 2, case .pid(let from) = parts[0],
                  parts[1] == .atom("features_request") else { return }
            node.send(.tuple([.atom("features_reply"), .atom(node.name), .list([.atom("erpc")])]), to: from)
        }
        register("global_name_server", on: node) { _, _ in }
    }

    private static func register(
        _ name: String, on node: LocalNode, serve: @escaping @Sendable (NodeRuntime.Process, Term) -> Void
    ) {
        let pid = node.spawn { process in
            while let message = try await process.receive() { serve(process, message) }
        }.pid
        try? node.register(Atom(name), pid)
    }

    /// `{:"$gen_call", from, request}`.
    static func genCall(_ message: Term) -> (from: Term, request: Term)? {
        guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom("$gen_call") else { return nil }
        return (parts[1], parts[2])
    }

    /// gen_server's reply: `{tag, value}` to the caller, or to its alias when the tag is
    /// `[:alias | ref]` (OTP 24+ callers wait on an alias, so a late reply is dropped).
    static func reply(to from: Term, _ value: Term, by process: NodeRuntime.Process) {
        guard case .tuple(let parts) = from, parts.count == 2, case .pid(let caller) = parts[0] else { return }
        let tag = parts[1]
        let message = Term.tuple([tag, value])
        if case .cons(let cell) = tag, cell.head == .atom("alias"), case .reference(let alias) = cell.tail {
            process.node.send(message, toAlias: alias, from: process.pid)
        } else {
            process.node.send(message, to: caller)
        }
    }
}
