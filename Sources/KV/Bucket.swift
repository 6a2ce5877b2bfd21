import ETF
import NodeRuntime

/// `KV.Bucket`: a process holding a map, spoken to exactly as Elixir 1.14's `Agent.Server`, so
/// `Agent.get/update/get_and_update/cast/stop` work on it from kvsh, from another node and from
/// real Elixir.
///
/// Calls are `{:"$gen_call", from, {:get | :update | :get_and_update, fun}}`, casts
/// `{:"$gen_cast", {:cast, fun}}`, and `Agent.stop` sends the `:sys` message
/// `{:system, from, {:terminate, reason}}`. `fun` is a function term or `{m, f, a}`, run as
/// `apply(m, f, [state | a])`; the guide's `Map` calls run here, anything else through the node's
/// code runner. A function that raises ends the bucket with the reason the runner throws, as it
/// ends an Agent; the node and the bucket's callers (who get the exit) live on.
public struct Bucket {
    /// Usually a map; a function may make it anything, as with an Agent. Shared with direct
    /// callers on this node (see `BucketStore`).
    private let store: BucketStore

    /// Starts a bucket holding `state` (`Agent.start(fn -> %{} end)`).
    /// - Parameters:
    ///   - parent: the process that links to and/or monitors the bucket, per `options`; it also
    ///     lends the bucket its group leader, where output of functions run in the bucket goes.
    /// - Returns: the bucket's pid, and the monitor's reference when `options` has `.monitor`.
    @discardableResult
    public static func start(
        on node: LocalNode, state: TermMap = TermMap(), parent: Process? = nil, options: LocalNode.SpawnOptions = []
    ) -> (pid: Pid, monitor: Reference?) {
        start(on: node, store: BucketStore(state: .map(state)), parent: parent, options: options)
    }

    /// Starts a bucket around `store`, which its creator keeps for direct calls.
    static func start(
        on node: LocalNode, store: BucketStore, parent: Process?, options: LocalNode.SpawnOptions
    ) -> (pid: Pid, monitor: Reference?) {
        node.spawn(parent: parent, options: options) { process in
            let bucket = Bucket(store: store)
            try await bucket.serve(in: process)
        }
    }

    /// Answers messages until `Agent.stop` or a function that fails ends the bucket.
    private func serve(in process: Process) async throws {
        defer { store.end() }
        while true {
            guard let message = try await process.receive() else { continue }
            if let call = GenServer.call(in: message) {
                try await handleCall(call.request, from: call.from, in: process)
            } else if let request = GenServer.cast(in: message) {
                try await handleCast(request, in: process)
            } else if case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom(.system) {
                if try handleSystem(parts[2], from: parts[1], in: process) == .stop { return }
            } else {
                process.node.log("[error] Agent.Server \(Term.pid(process.pid).inspect()) received unexpected message in handle_info/2: \(message.inspect())")
            }
        }
    }

    private func handleCall(_ request: Term, from: Term, in process: Process) async throws {
        guard case .tuple(let parts) = request, parts.count == 2, case .atom(let kind) = parts[0] else {
            throw noClause("handle_call", [request, from, store.state], in: process)
        }
        let reply: Term
        switch kind {
        case .get:
            reply = try await run(parts[1], consumingState: false, in: process) { ($0, nil) }
        case .update:
            reply = try await run(parts[1], consumingState: true, in: process) { (.ok, $0) }
        case .getAndUpdate:
            reply = try await run(parts[1], consumingState: true, in: process) { result in
                guard case .tuple(let pair) = result, pair.count == 2 else {
                    throw ProcessExit(reason: .tuple([.atom("bad_return_value"), result]))
                }
                return (pair[0], pair[1])
            }
        default:
            throw noClause("handle_call", [request, from, store.state], in: process)
        }
        GenServer.reply(to: from, reply, by: process)
    }

    private func handleCast(_ request: Term, in process: Process) async throws {
        guard case .tuple(let parts) = request, parts.count == 2, parts[0] == .atom(.cast) else {
            throw noClause("handle_cast", [request, store.state], in: process)
        }
        _ = try await run(parts[1], consumingState: true, in: process) { (.ok, $0) }
    }

    private enum Outcome { case `continue`, stop }

    /// The `:sys` messages a gen_server answers: `{:terminate, reason}` (`Agent.stop`, which waits
    /// for the `:DOWN`, not a reply) and `:get_state` (`:sys.get_state/1`).
    private func handleSystem(_ request: Term, from: Term, in process: Process) throws -> Outcome {
        if case .tuple(let parts) = request, parts.count == 2, parts[0] == .atom(.terminate) {
            if parts[1] == .atom(.normal) { return .stop }
            throw ProcessExit(reason: parts[1])
        }
        if request == .atom(.getState) {
            GenServer.reply(to: from, .tuple([.ok, store.state]), by: process)
        } else {
            GenServer.reply(to: from, .tuple([.error, .tuple([.atom("unknown_system_msg"), request])]), by: process)
        }
        return .continue
    }

    /// Runs `fun` with the state as its first argument (`Agent.Server`'s `run/2`); `settle` turns
    /// its value into the reply and the new state (nil: the state stays).
    /// - Parameter consumingState: the call's value replaces the state, so a `Map` call may
    ///   change the state's map in place instead of copying it.
    private func run(
        _ fun: Term, consumingState: Bool, in process: Process,
        settle: (Term) throws -> (reply: Term, state: Term?)
    ) async throws -> Term {
        if let call = MapCall(fun),
           let reply = try store.withMap(consumingState: consumingState, { map in try settle(call.apply(to: &map)) }) {
            return reply
        }
        guard let runner = process.node.codeRunner else {
            throw BucketCrash.noCodeRunner(fun: fun, bucket: process.pid)
        }
        // Any other function may await or fail: it runs outside the store's lock, which tells
        // direct callers to queue behind it in the mailbox meanwhile.
        let state = store.beginFunction()
        do {
            let value: Term
            if case .tuple(let parts) = fun, parts.count == 3, case .atom(let module) = parts[0],
               case .atom(let function) = parts[1], let arguments = parts[2].properList {
                value = try await runner.apply(module, function, [state] + arguments, in: process)
            } else {
                value = try await runner.apply(.erlang, .apply, [fun, .list([state])], in: process)
            }
            let (reply, newState) = try settle(value)
            store.endFunction(state: newState)
            return reply
        } catch {
            store.endFunction(state: nil)
            throw error
        }
    }

    /// What a gen_server whose callback has no clause for a message ends with: `:function_clause`
    /// in `Agent.Server`'s callback, as the BEAM reports it.
    private func noClause(_ callback: String, _ arguments: [Term], in process: Process) -> BucketCrash {
        .noClause(callback: callback, arguments: arguments, bucket: process.pid)
    }
}
