import ETF

/// A `%Task{}`: a task started for its owner, awaited by matching `{ref, result}` or the
/// `:DOWN` of the monitor `ref` (also the alias the task replies to). See `SupervisedTask`.
public struct AsyncTask: Sendable, Equatable {
    /// `{module, function, arity}`.
    public let mfa: Term
    public let owner: Pid
    public let pid: Pid
    public let ref: Reference

    public init(mfa: Term, owner: Pid, pid: Pid, ref: Reference) {
        self.mfa = mfa
        self.owner = owner
        self.pid = pid
        self.ref = ref
    }

    /// A `%Task{}` map; nil for anything else.
    public init?(_ term: Term) {
        guard case .map(let fields) = term, fields[.atom(.structField)] == .atom(.elixirTask),
              let mfa = fields[.atom(.mfa)], case .pid(let owner)? = fields[.atom(.owner)],
              case .pid(let pid)? = fields[.atom(.pid)], case .reference(let ref)? = fields[.atom(.ref)] else { return nil }
        self.init(mfa: mfa, owner: owner, pid: pid, ref: ref)
    }

    public var term: Term {
        .map([
            (.atom(.structField), .atom(.elixirTask)), (.atom(.mfa), mfa), (.atom(.owner), .pid(owner)),
            (.atom(.pid), .pid(pid)), (.atom(.ref), .reference(ref)),
        ])
    }

    static func mfa(_ module: Atom, _ function: Atom, _ arguments: [Term]) -> Term {
        .tuple([.atom(module), .atom(function), .int(arguments.count)])
    }
}

/// Why a task could not be started or awaited, apart from the exits of `TaskExit`.
public enum TaskError: Error, Equatable {
    /// Only the owner may await a task (Elixir's ArgumentError).
    case notOwner(AsyncTask, caller: Pid)
    /// The supervisor answered `start_task` with something other than `{:ok, pid}`
    /// (`{:error, :max_children}` from a real one).
    case notStarted(reply: Term)
}

/// A task awaited in vain: the exit Elixir's `Task` functions give,
/// `{reason, {Task, function, arguments}}` (`:timeout`, the task's exit reason, or
/// `{:nodedown, node}` when its node went away).
public struct TaskExit: Error, ExitReasonProviding, Equatable {
    public let reason: Term
    public let function: Atom
    public let arguments: [Term]

    public var exitReason: Term {
        .tuple([reason, .tuple([.atom(.elixirTask), .atom(function), .list(arguments)])])
    }

    public var crashReport: String? { nil }
}

// MARK: - Starting

extension AsyncTask {
    /// `Task.async/3`: a task linked to `process` on this node.
    public static func async(_ module: Atom, _ function: Atom, _ arguments: [Term], from process: Process) -> AsyncTask {
        let owner = process.pid
        let ancestors = SupervisedTask.ancestors(under: process)
        let pid = process.node.spawn(parent: process, options: [.link]) { task in
            task.dictionary[.atom(.ancestors)] = ancestors
            try await SupervisedTask.reply(owner: owner, monitorOwner: false, in: task)
        }.pid
        return started(pid, module, function, arguments, shownAs: nil, from: process)
    }

    /// `Task.Supervisor.async/5` (`link`) and `async_nolink/5`: the supervisor, on any node,
    /// starts the task; then the owner links (`link`), monitors it and tells it what to run.
    /// - Parameter shownAs: the `%Task{}`'s mfa when it is not the one sent (a `fn` sent as
    ///   portable code is still `{:erlang, :apply, 2}`).
    /// - Throws: `GenServer.CallError` when the supervisor cannot be reached,
    ///   `TaskError.notStarted` when it refuses.
    public static func async(
        supervisor: GenServer.Server, _ module: Atom, _ function: Atom, _ arguments: [Term],
        link: Bool, shownAs: Term? = nil, from process: Process
    ) async throws -> AsyncTask {
        let request = Term.tuple([
            .atom(.startTask), .list([SupervisedTask.owner(process), .atom(.monitor)]), .atom(.temporary), .nil,
        ])
        let reply = try await GenServer.call(supervisor, request, timeout: .infinity, from: process)
        guard case .tuple(let parts) = reply, parts.count == 2, parts[0] == .ok, case .pid(let pid) = parts[1] else {
            throw TaskError.notStarted(reply: reply)
        }
        if link { process.node.link(process, to: pid) }
        return started(pid, module, function, arguments, shownAs: shownAs, from: process)
    }

    /// Monitors the new task with an alias and sends it `{owner, ref, ref, callers, mfa}`.
    private static func started(
        _ pid: Pid, _ module: Atom, _ function: Atom, _ arguments: [Term], shownAs: Term?, from process: Process
    ) -> AsyncTask {
        let ref = process.node.monitor(process, pid, alias: true)
        let mfa = Term.tuple([.atom(module), .atom(function), .list(arguments)])
        let callers = SupervisedTask.callers(of: process)
        process.node.send(.tuple([.pid(process.pid), .reference(ref), .reference(ref), callers, mfa]), to: pid)
        return AsyncTask(mfa: shownAs ?? Self.mfa(module, function, arguments), owner: process.pid, pid: pid, ref: ref)
    }

    /// `Task.Supervisor.start_child/5`: a task nobody awaits.
    /// - Returns: the supervisor's answer, `{:ok, pid}`.
    public static func startChild(
        supervisor: GenServer.Server, _ module: Atom, _ function: Atom, _ arguments: [Term], from process: Process
    ) async throws -> Term {
        let mfa = Term.tuple([.atom(module), .atom(function), .list(arguments)])
        let args = Term.list([SupervisedTask.owner(process), SupervisedTask.callers(of: process), mfa])
        let request = Term.tuple([.atom(.startTask), args, .nil, .nil])
        return try await GenServer.call(supervisor, request, timeout: .infinity, from: process)
    }
}

// MARK: - Awaiting

extension AsyncTask {
    /// What `Task.yield/2` found.
    public enum Outcome: Sendable, Equatable {
        case ok(Term)
        case exit(Term)
    }

    /// `Task.await/2`: the task's result.
    /// - Throws: `TaskError.notOwner`; `TaskExit` on timeout (the monitor is dropped, so a late
    ///   reply never lands) or when the task died.
    public func await(timeout: Process.Timeout = .milliseconds(5000), in process: Process) async throws -> Term {
        try checkOwner(process)
        let exit = { (reason: Term) in TaskExit(reason: reason, function: Atom("await"), arguments: [term, timeout.term]) }
        switch try await process.receive(timeout: timeout, match) {
        case .ok(let value)?:
            await GenServer.demonitorFlushing(ref, in: process)
            return value
        case .exit(let reason)?:
            throw exit(reason)
        case nil:
            await GenServer.demonitorFlushing(ref, in: process)
            throw exit(.atom(.timeout))
        }
    }

    /// `Task.yield/2`: the result, the task's exit reason, or nil when it is still running.
    /// - Throws: `TaskExit` when the task's node went away.
    public func yield(timeout: Process.Timeout = .milliseconds(5000), in process: Process) async throws -> Outcome? {
        try checkOwner(process)
        let outcome = try await process.receive(timeout: timeout, match)
        switch outcome {
        case .ok?: await GenServer.demonitorFlushing(ref, in: process)
        case .exit(let reason)? where reason.isNodedown:
            throw TaskExit(reason: reason, function: Atom("yield"), arguments: [term, timeout.term])
        default: break
        }
        return outcome
    }

    /// `Task.await_many/2`: every task's result, in order, within one timeout for them all.
    public static func awaitMany(
        _ tasks: [AsyncTask], timeout: Process.Timeout = .milliseconds(5000), in process: Process
    ) async throws -> [Term] {
        for task in tasks { try task.checkOwner(process) }
        let exit = { (reason: Term) in
            TaskExit(reason: reason, function: Atom("await_many"), arguments: [.list(tasks.map(\.term)), timeout.term])
        }
        let deadline: UInt64? = if case .milliseconds(let ms) = timeout {
            monotonicNanoseconds() &+ UInt64(max(ms, 0)) &* 1_000_000
        } else { nil }
        var replies: [Reference: Term] = [:]
        var awaiting = Set(tasks.map(\.ref))
        while !awaiting.isEmpty {
            let left: Process.Timeout = deadline.map { deadline in
                let now = monotonicNanoseconds()
                return .milliseconds(deadline > now ? Int((deadline - now + 999_999) / 1_000_000) : 0)
            } ?? .infinity
            let found = try await process.receive(timeout: left) { message -> (Reference, Outcome)? in
                for ref in awaiting {
                    if let outcome = Self.match(message, ref: ref) { return (ref, outcome) }
                }
                return nil
            }
            guard let (ref, outcome) = found else {
                for ref in awaiting { await GenServer.demonitorFlushing(ref, in: process) }
                throw exit(.atom(.timeout))
            }
            switch outcome {
            case .ok(let value):
                await GenServer.demonitorFlushing(ref, in: process)
                awaiting.remove(ref)
                replies[ref] = value
            case .exit(let reason):
                awaiting.remove(ref)
                for other in awaiting { await GenServer.demonitorFlushing(other, in: process) }
                throw exit(reason)
            }
        }
        return tasks.map { replies[$0.ref] ?? .nil }
    }

    private func checkOwner(_ process: Process) throws {
        guard owner == process.pid else { throw TaskError.notOwner(self, caller: process.pid) }
    }

    private func match(_ message: Term) -> Outcome? { Self.match(message, ref: ref) }

    /// `{ref, result}` or the monitor's `:DOWN`, whose `:noconnection` is `{:nodedown, node}`.
    private static func match(_ message: Term, ref: Reference) -> Outcome? {
        guard case .tuple(let parts) = message else { return nil }
        if parts.count == 2, parts[0] == .reference(ref) { return .ok(parts[1]) }
        guard parts.count == 5, parts[0] == .atom(.down), parts[1] == .reference(ref) else { return nil }
        if parts[4] == .atom(.noconnection), case .pid(let pid) = parts[3] {
            return .exit(.tuple([.atom(.nodedown), .atom(pid.node)]))
        }
        return .exit(parts[4])
    }
}

extension Term {
    fileprivate var isNodedown: Bool {
        guard case .tuple(let parts) = self, parts.count == 2 else { return false }
        return parts[0] == .atom(.nodedown)
    }
}
