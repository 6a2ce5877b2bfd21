import ETF

/// A Task.Supervisor (Elixir 1.14's, a DynamicSupervisor of `:temporary` tasks): a process that
/// answers `{:start_task, args, restart, shutdown}` calls by starting a task linked to itself,
/// on behalf of an owner on any node. See `SupervisedTask` for the protocol.
public enum TaskSupervisor {
    public enum StartError: Error, Equatable {
        /// `{:error, {:already_started, pid}}`.
        case alreadyStarted(Atom, Pid)
    }

    /// Starts a supervisor, registered as `name` when given.
    /// - Parameter parent: `start_link`'s caller, linked to the supervisor: its exit takes the
    ///   supervisor and its tasks down, as Elixir's does.
    public static func start(on node: LocalNode, name: Atom? = nil, linkedTo parent: Process? = nil) throws(StartError) -> Pid {
        if let name, let existing = node.whereis(name) { throw .alreadyStarted(name, existing) }
        let ancestors = parent.map { SupervisedTask.ancestors(under: $0) } ?? .emptyList
        let pid = node.spawn(parent: parent, options: parent == nil ? [] : [.link]) { process in
            process.trapExit = true
            process.dictionary[.atom(.ancestors)] = ancestors
            try await serve(parent: parent?.pid, in: process)
        }.pid
        guard let name else { return pid }
        do {
            try node.register(name, pid)
        } catch {
            // Another start took the name in between: this one ends before serving anyone.
            if let parent { node.unlink(parent, from: pid) }
            node.exit(pid, reason: .atom(.kill), from: pid)
            throw .alreadyStarted(name, node.whereis(name) ?? pid)
        }
        return pid
    }

    /// The supervisor's loop: calls, and exit signals from its tasks and its parent.
    private static func serve(parent: Pid?, in process: Process) async throws {
        var children: [Pid] = []
        while let message = try await process.receive() {
            if let (from, request) = GenServer.call(in: message) {
                let reply = handle(request, children: &children, in: process)
                GenServer.reply(to: from, reply, by: process)
                continue
            }
            guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom(.exitTag),
                  case .pid(let from) = parts[1] else { continue }
            if from == parent {
                for child in children { process.node.exit(child, reason: .atom("shutdown"), from: process.pid) }
                throw ProcessExit(reason: parts[2])
            }
            children.removeAll { $0 == from }
        }
    }

    private static func handle(_ request: Term, children: inout [Pid], in process: Process) -> Term {
        switch request {
        case .tuple(let parts) where parts.count == 4 && parts[0] == .atom(.startTask):
            guard let pid = startTask(parts[1].properList ?? [], in: process) else {
                return .tuple([.error, .tuple([.atom("invalid_start_task"), parts[1]])])
            }
            children.append(pid)
            return .tuple([.ok, .pid(pid)])
        case .atom(Atom("which_children")):
            return .list(children.map { .tuple([.atom("undefined"), .pid($0), .atom("worker"), .list([.atom("Elixir.Task.Supervised")])]) })
        case .atom(Atom("count_children")):
            let count = Term.int(children.count)
            return .map([(.atom("active"), count), (.atom("specs"), count), (.atom("supervisors"), .int(0)), (.atom("workers"), count)])
        case .tuple(let parts) where parts.count == 2 && parts[0] == .atom("terminate_child"):
            guard case .pid(let pid) = parts[1], children.contains(pid) else { return .tuple([.error, .atom("not_found")]) }
            children.removeAll { $0 == pid }
            process.node.exit(pid, reason: .atom("shutdown"), from: process.pid)
            return .ok
        default:
            // A real supervisor would crash on an unknown call; answering keeps callers from hanging.
            return .tuple([.error, .tuple([.atom("unknown_call"), request])])
        }
    }

    /// `[owner, :monitor | :nomonitor]` for a task that replies, `[owner, callers, mfa]` for one
    /// that does not; nil for anything else.
    private static func startTask(_ args: [Term], in supervisor: Process) -> Pid? {
        guard let ownerTerm = args.first, case .tuple(let owner) = ownerTerm, owner.count == 3,
              case .pid(let ownerPid) = owner[2] else { return nil }
        let ancestors = SupervisedTask.ancestors(under: supervisor)
        let body: @Sendable (Process) async throws -> Void
        switch args.count {
        case 2 where args[1] == .atom(.monitor) || args[1] == .atom("nomonitor"):
            let monitorOwner = args[1] == .atom(.monitor)
            body = { task in
                task.dictionary[.atom(.ancestors)] = ancestors
                try await SupervisedTask.reply(owner: ownerPid, monitorOwner: monitorOwner, in: task)
            }
        case 3:
            let (callers, mfa) = (args[1], args[2])
            body = { task in
                task.dictionary[.atom(.ancestors)] = ancestors
                try await SupervisedTask.noreply(callers: callers, mfa: mfa, in: task)
            }
        default:
            return nil
        }
        return supervisor.node.spawn(parent: supervisor, options: [.link], body).pid
    }
}
