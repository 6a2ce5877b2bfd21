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
    /// Usually a map; a function may make it anything, as with an Agent.
    private var state: Term

    /// Starts a bucket holding `state` (`Agent.start(fn -> %{} end)`).
    /// - Parameters:
    ///   - parent: the process that links to and/or monitors the bucket, per `options`; it also
    ///     lends the bucket its group leader, where output of functions run in the bucket goes.
    /// - Returns: the bucket's pid, and the monitor's reference when `options` has `.monitor`.
    @discardableResult
    public static func start(
        on node: LocalNode, state: TermMap = TermMap(), parent: Process? = nil, options: LocalNode.SpawnOptions = []
    ) -> (pid: Pid, monitor: Reference?) {
        node.spawn(parent: parent, options: options) { process in
            var bucket = Bucket(state: .map(state))
            try await bucket.serve(in: process)
        }
    }

    /// Answers messages until `Agent.stop` or a function that fails ends the bucket.
    private mutating func serve(in process: Process) async throws {
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

    private mutating func handleCall(_ request: Term, from: Term, in process: Process) async throws {
        guard case .tuple(let parts) = request, parts.count == 2, case .atom(let kind) = parts[0] else {
            throw noClause("handle_call", [request, from, state], in: process)
        }
        let reply: Term
        switch kind {
        case .get:
            reply = try await run(parts[1], consumingState: false, in: process)
        case .update:
            state = try await run(parts[1], consumingState: true, in: process)
            reply = .ok
        case .getAndUpdate:
            let result = try await run(parts[1], consumingState: true, in: process)
            guard case .tuple(let pair) = result, pair.count == 2 else {
                throw ProcessExit(reason: .tuple([.atom("bad_return_value"), result]))
            }
            reply = pair[0]
            state = pair[1]
        default:
            throw noClause("handle_call", [request, from, state], in: process)
        }
        GenServer.reply(to: from, reply, by: process)
    }

    private mutating func handleCast(_ request: Term, in process: Process) async throws {
        guard case .tuple(let parts) = request, parts.count == 2, parts[0] == .atom(.cast) else {
            throw noClause("handle_cast", [request, state], in: process)
        }
        state = try await run(parts[1], consumingState: true, in: process)
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
            GenServer.reply(to: from, .tuple([.ok, state]), by: process)
        } else {
            GenServer.reply(to: from, .tuple([.error, .tuple([.atom("unknown_system_msg"), request])]), by: process)
        }
        return .continue
    }

    /// Runs `fun` with the state as its first argument (`Agent.Server`'s `run/2`).
    /// - Parameter consumingState: the call's value replaces the state, so a `Map` call may
    ///   change the state's map in place instead of copying it.
    private mutating func run(_ fun: Term, consumingState: Bool, in process: Process) async throws -> Term {
        if let call = MapCall(fun), case .map(var map) = state {
            if consumingState { state = .nil }
            return call.apply(to: &map)
        }
        guard let runner = process.node.codeRunner else {
            throw BucketCrash.noCodeRunner(fun: fun, bucket: process.pid)
        }
        if case .tuple(let parts) = fun, parts.count == 3, case .atom(let module) = parts[0],
           case .atom(let function) = parts[1], let arguments = parts[2].properList {
            return try await runner.apply(module, function, [state] + arguments, in: process)
        }
        return try await runner.apply(.erlang, .apply, [fun, .list([state])], in: process)
    }

    /// What a gen_server whose callback has no clause for a message ends with: `:function_clause`
    /// in `Agent.Server`'s callback, as the BEAM reports it.
    private func noClause(_ callback: String, _ arguments: [Term], in process: Process) -> BucketCrash {
        .noClause(callback: callback, arguments: arguments, bucket: process.pid)
    }
}
