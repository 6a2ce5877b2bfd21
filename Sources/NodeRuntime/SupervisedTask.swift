import ETF

/// The process behind an Elixir 1.14 task (`Task.Supervised`), started by `Task.async` or by a
/// Task.Supervisor, on this node for an owner on any node.
///
/// Checked against Elixir 1.14.0 on OTP 25 (two nodes, a fake supervisor printing its mailbox,
/// and the task's own `Process.get/0`):
/// - `async`/`async_nolink` call the supervisor with
///   `{:start_task, [{owner_node, owner_name_or_pid, owner_pid}, :monitor], :temporary, nil}`
///   (nolink differs only in the owner not linking afterwards); `start_child` with
///   `{:start_task, [owner, callers, {m, f, args}], restart, shutdown}` (nil when not given) and
///   no message follows. The answer is `{:ok, pid}`.
/// - The owner then monitors the task with `[{:alias, :demonitor}]` and sends it
///   `{owner_pid, mref, mref, callers, {m, f, args}}`: reference and reply-to are both that
///   alias; `callers` is `[owner | owner's $callers]`; a `fn` travels as
///   `{:erlang, :apply, [fun, []]}`.
/// - The task monitors the owner first (`:monitor`), waits at most 5 s for that message, exits
///   `{:shutdown, reason}` if the owner dies and `:timeout` if nothing comes; `Task.async`'s own
///   task (`:nomonitor`) waits forever. It puts `$initial_call` (`{m, f, arity}`) and `$callers`
///   in its dictionary (`$ancestors` is proc_lib's: the supervisor's name, then its ancestors),
///   sends `{mref, result}` to reply-to and exits `:normal`.
public enum SupervisedTask {
    /// `{node, name_or_pid, pid}`: how a task names its owner.
    public static func owner(_ process: Process) -> Term {
        let pid = Term.pid(process.pid)
        return .tuple([.atom(process.node.name), process.registeredName.map(Term.atom) ?? pid, pid])
    }

    /// `[owner | $callers]`, the `$callers` of a task this process starts.
    public static func callers(of process: Process) -> Term {
        let inherited = process.dictionary[.atom(.callers)]?.properList ?? []
        return .list([.pid(process.pid)] + inherited)
    }

    /// The `$ancestors` of a process `parent` starts, as proc_lib puts them.
    static func ancestors(under parent: Process) -> Term {
        let inherited = parent.dictionary[.atom(.ancestors)]?.properList ?? []
        return .list([parent.registeredName.map(Term.atom) ?? .pid(parent.pid)] + inherited)
    }

    /// A task that answers its owner: waits for `{owner, ref, reply_to, callers, mfa}`, runs
    /// the mfa and sends `{ref, result}` to reply-to.
    /// - Parameter monitorOwner: a supervised task watches its owner while it waits (`:monitor`).
    static func reply(owner: Pid, monitorOwner: Bool, in process: Process) async throws {
        let node = process.node
        let mref = monitorOwner ? node.monitor(process, owner) : nil
        enum Start { case run(ref: Term, replyTo: Term, callers: Term, mfa: Term), ownerDown(Term) }
        let start = try await process.receive(timeout: monitorOwner ? .milliseconds(5000) : .infinity) { message -> Start? in
            guard case .tuple(let parts) = message else { return nil }
            if parts.count == 5, parts[0] == .pid(owner) {
                return .run(ref: parts[1], replyTo: parts[2], callers: parts[3], mfa: parts[4])
            }
            if parts.count == 5, let mref, parts[0] == .atom(.down), parts[1] == .reference(mref) { return .ownerDown(parts[4]) }
            return nil
        }
        switch start {
        case nil:
            throw ProcessExit(reason: .atom(.timeout))
        case .ownerDown(let reason)?:
            throw ProcessExit(reason: .tuple([.atom("shutdown"), reason]))
        case let .run(ref, replyTo, callers, mfa)?:
            let call = try MFA(mfa)
            process.dictionary[.atom(.initialCall)] = call.initialCall
            process.dictionary[.atom(.callers)] = callers
            if let mref { await GenServer.demonitorFlushing(mref, in: process) }
            let result = try await call.run(in: process)
            let answer = Term.tuple([ref, result])
            switch replyTo {
            case .reference(let alias): node.send(answer, toAlias: alias, from: process.pid)
            case .pid(let pid): node.send(answer, to: pid)
            default: throw ProcessExit(reason: .tuple([.atom("badarg"), replyTo]))
            }
        }
    }

    /// A task nobody awaits (`start_child`): runs the mfa and exits.
    static func noreply(callers: Term, mfa: Term, in process: Process) async throws {
        let call = try MFA(mfa)
        process.dictionary[.atom(.initialCall)] = call.initialCall
        process.dictionary[.atom(.callers)] = callers
        _ = try await call.run(in: process)
    }

    /// `{module, function, args}`, run through the node's code runner.
    struct MFA {
        let module: Atom
        let function: Atom
        let arguments: [Term]

        /// - Throws: `ProcessExit` with `{:badarg, mfa}` for anything else, so a bad message ends
        ///   the task with a clear reason instead of a crash.
        init(_ term: Term) throws {
            guard case .tuple(let parts) = term, parts.count == 3, case .atom(let module) = parts[0],
                  case .atom(let function) = parts[1], let arguments = parts[2].properList else {
                throw ProcessExit(reason: .tuple([.atom("badarg"), term]))
            }
            self.module = module
            self.function = function
            self.arguments = arguments
        }

        /// `{m, f, arity}`; a fn applied through `:erlang.apply/2` is shown as that call.
        var initialCall: Term {
            .tuple([.atom(module), .atom(function), .int(arguments.count)])
        }

        func run(in process: Process) async throws -> Term {
            guard let runner = process.node.codeRunner else {
                throw ProcessExit(reason: .tuple([.atom("undef"), .list([
                    .tuple([.atom(module), .atom(function), .list(arguments), .emptyList]),
                ])]))
            }
            return try await runner.apply(module, function, arguments, in: process)
        }
    }
}
