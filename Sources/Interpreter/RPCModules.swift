import ETF
import NodeRuntime

/// `:erpc` and `:rpc`: calls on other nodes, with OTP 25's protocol, so kvsh and BEAM nodes call
/// each other: the caller sends a spawn request of `:erpc.execute_call(ref, m, f, args)` with a
/// monitor, and the spawned process exits with `{ref, :return, value}` (or `:throw`, `:exit`,
/// `:error`), which the caller reads from the `:DOWN` message.
enum ERPCModule {
    static let module: NativeModule = {
        var m = NativeModule(":erpc")
        m.process("call", 4, 5) { context, args in
            let timeout = args.count > 4 ? try ProcessModule.timeout(args[4]) : .infinity
            return try await call(try args[0].atom(), try args[1].atom(), try args[2].atom(), try args[3].list(), timeout, context)
        }
        m.process("cast", 4) { context, args in
            try cast(try args[0].atom(), try args[1].atom(), try args[2].atom(), try args[3].list(), context)
            return .ok
        }
        // What another node's `:erpc.call` and `:erpc.cast` spawn here.
        m.process("execute_call", 4) { context, args in
            let reply = try await executeCall(args[0], try args[1].atom(), try args[2].atom(), try args[3].list(), context)
            throw ProcessExit(reason: reply)
        }
        m.process("execute_cast", 3) { context, args in
            try await context.interpreter.call(try args[0].atom(), try args[1].atom(), try args[2].list(), context)
        }
        return m
    }()

    /// How an `:erpc.call` ends, as erpc raises it in the caller.
    enum Failure: Error {
        case error(Term)
        case exit(Term)
        case `throw`(Term)

        var elixirError: ElixirError {
            switch self {
            case .error(let reason): ElixirError.normalized(reason)
            case .exit(let reason): ElixirError.exit(reason)
            case .throw(let value): ElixirError.throw(value)
            }
        }
    }

    /// `:erpc.call/5`: the value, or the `Failure` erpc raises.
    static func outcome(
        _ target: Atom, _ module: Atom, _ function: Atom, _ arguments: [Term],
        _ timeout: NodeRuntime.Process.Timeout, _ context: CallContext
    ) async throws -> Result<Term, Failure> {
        guard target != context.node.name else {
            // On this node the call runs in the calling process, as erpc does.
            do {
                return .success(try await context.interpreter.call(module, function, arguments, context))
            } catch let error as ElixirError {
                switch error.kind {
                case .throw: return .failure(.throw(error.value))
                case .exit: return .failure(.exit(.tuple([.atom("exception"), error.value])))
                case .error:
                    let (reason, stack) = error.erlangError(calling: module, function, arguments)
                    return .failure(.error(.tuple([.atom("exception"), reason, stack])))
                }
            }
        }
        context.interpreter.nodeTable.note(target)
        guard let router = context.node.remoteRouter else {
            return .failure(.error(.tuple([.atom("erpc"), .atom(.noconnection)])))
        }
        let process = context.process
        let id = context.node.makeReference()
        let result = Term.reference(context.node.makeReference())
        router.spawnRequest(
            on: target, id: id, from: process.pid, groupLeader: process.groupLeader,
            module: Atom("erpc"), function: Atom("execute_call"),
            arguments: [result, .atom(module), .atom(function), .list(arguments)], options: .monitor)
        // kvsh's spawn requests always answer, where erpc asks for an answer only on error: the
        // `{:spawn_reply, id, :ok, pid}` that comes first is left in the mailbox, so it does not
        // wake the caller, and taken out once the `:DOWN` is in.
        enum Answer { case spawnFailed(Term), down(Term) }
        let answer = try await process.receive(timeout: timeout) { message -> Answer? in
            guard case .tuple(let parts) = message, parts.count >= 4, parts[1] == .reference(id) else { return nil }
            if parts.count == 4, parts[0] == .atom(.spawnReply), parts[2] != .ok { return .spawnFailed(parts[3]) }
            if parts.count == 5, parts[0] == .atom(.down) { return .down(parts[4]) }
            return nil
        }
        if case .spawnFailed(let reason)? = answer { return .failure(.error(.tuple([.atom("erpc"), reason]))) }
        if answer == nil { context.node.demonitor(process, id) }
        _ = try await process.receive(timeout: .milliseconds(0)) { message -> Term? in
            guard case .tuple(let parts) = message, parts.count >= 4, parts[1] == .reference(id),
                  parts[0] == .atom(.down) || parts[0] == .atom(.spawnReply) else { return nil }
            return message
        }
        guard case .down(let reason)? = answer else { return .failure(.error(.tuple([.atom("erpc"), .atom(.timeout)]))) }
        return down(reason, result)
    }

    /// The spawned `execute_call`'s exit reason, read as erpc reads it.
    private static func down(_ reason: Term, _ result: Term) -> Result<Term, Failure> {
        if case .tuple(let parts) = reason, parts.count >= 3, parts[0] == result {
            switch (parts[1].atomValue?.text, parts.count) {
            case ("return", 3): return .success(parts[2])
            case ("throw", 3): return .failure(.throw(parts[2]))
            case ("exit", 3): return .failure(.exit(.tuple([.atom("exception"), parts[2]])))
            case ("error", 4): return .failure(.error(.tuple([.atom("exception"), parts[2], parts[3]])))
            case ("error", 3): return .failure(.error(parts[2]))
            default: break
            }
        }
        if reason == .atom(.noconnection) { return .failure(.error(.tuple([.atom("erpc"), .atom(.noconnection)]))) }
        return .failure(.exit(.tuple([.atom("signal"), reason])))
    }

    static func call(
        _ target: Atom, _ module: Atom, _ function: Atom, _ arguments: [Term],
        _ timeout: NodeRuntime.Process.Timeout, _ context: CallContext
    ) async throws -> Term {
        switch try await outcome(target, module, function, arguments, timeout, context) {
        case .success(let value): return value
        case .failure(let failure): throw failure.elixirError
        }
    }

    /// `:erpc.cast/4`: fire and forget. A helper process makes the request and takes its answer,
    /// so no `:spawn_reply` lands in the caller's mailbox (erpc asks for none).
    static func cast(_ target: Atom, _ module: Atom, _ function: Atom, _ arguments: [Term], _ context: CallContext) throws {
        let interpreter = context.interpreter
        if target == context.node.name {
            context.node.spawn(parent: context.process) { process in
                _ = try await interpreter.call(module, function, arguments, CallContext(process: process, interpreter: interpreter))
            }
            return
        }
        interpreter.nodeTable.note(target)
        guard let router = context.node.remoteRouter else { return }
        context.node.spawn(parent: context.process) { process in
            let id = process.node.makeReference()
            router.spawnRequest(
                on: target, id: id, from: process.pid, groupLeader: process.groupLeader,
                module: Atom("erpc"), function: Atom("execute_cast"),
                arguments: [.atom(module), .atom(function), .list(arguments)], options: [])
            _ = try await process.receive(timeout: .milliseconds(60_000)) { message -> Term? in
                guard case .tuple(let parts) = message, parts.count == 4, parts[1] == .reference(id) else { return nil }
                return message
            }
        }
    }

    /// What runs here for another node's `:erpc.call`: the reason the process exits with.
    static func executeCall(_ result: Term, _ module: Atom, _ function: Atom, _ arguments: [Term], _ context: CallContext) async throws -> Term {
        do {
            return .tuple([result, .atom(.return), try await context.interpreter.call(module, function, arguments, context)])
        } catch let error as ElixirError {
            switch error.kind {
            case .throw: return .tuple([result, .atom("throw"), error.value])
            case .exit: return .tuple([result, .atom("exit"), error.value])
            case .error:
                let (reason, stack) = error.erlangError(calling: module, function, arguments)
                return .tuple([result, .atom("error"), reason, stack])
            }
        }
    }
}

/// `:rpc.call/4,5` and `:rpc.cast/4`: erpc with errors as `{:badrpc, reason}`, as OTP 25's rpc does.
enum RPCModule {
    static let module: NativeModule = {
        var m = NativeModule(":rpc")
        m.process("call", 4, 5) { context, args in
            let timeout = args.count > 4 ? try ProcessModule.timeout(args[4]) : .infinity
            let outcome = try await ERPCModule.outcome(
                try args[0].atom(), try args[1].atom(), try args[2].atom(), try args[3].list(), timeout, context)
            return try badrpc(outcome)
        }
        m.process("cast", 4) { context, args in
            try ERPCModule.cast(try args[0].atom(), try args[1].atom(), try args[2].atom(), try args[3].list(), context)
            return .true
        }
        return m
    }()

    private static func badrpc(_ outcome: Result<Term, ERPCModule.Failure>) throws -> Term {
        func bad(_ reason: Term) -> Term { .tuple([.atom("badrpc"), reason]) }
        func exit(_ reason: Term) -> Term { bad(.tuple([.atom(.exitTag), reason])) }
        switch outcome {
        case .success(let value):
            if case .tuple(let parts) = value, parts.count == 2, parts[0] == .atom(.exitTag) { return bad(value) }
            return value
        case .failure(.throw(let value)):
            if case .tuple(let parts) = value, parts.count == 2, parts[0] == .atom(.exitTag) { return bad(value) }
            return value
        case .failure(.exit(let reason)):
            if case .tuple(let parts) = reason, parts.count == 2,
               parts[0] == .atom("exception") || parts[0] == .atom("signal") { return exit(parts[1]) }
            throw ElixirError.exit(reason)
        case .failure(.error(let reason)):
            guard case .tuple(let parts) = reason else { throw ElixirError.normalized(reason) }
            if parts.count == 3, parts[0] == .atom("exception") { return exit(.tuple([parts[1], parts[2]])) }
            if parts.count == 2, parts[0] == .atom("erpc") {
                switch parts[1].atomValue?.text {
                case "badarg": throw ElixirError.argument()
                case "noconnection": return bad(.atom("nodedown"))
                case "timeout", "notsup": return bad(parts[1])
                default: return exit(parts[1])
                }
            }
            throw ElixirError.normalized(reason)
        }
    }
}

extension ElixirError {
    /// The BEAM's raw error reason and stacktrace for an error: `:undef` with the missing call
    /// as the stack's top (`[{Hello, :nope, [1], []}]`) for an undefined function, as an Erlang
    /// process sees it; the exception itself with no stack otherwise.
    ///
    /// For a fun of another node that this one cannot run, the BEAM's reason, with the fun's
    /// call on top of the stack for `:undef` and `:erlang.apply/2` under it, except when the
    /// apply is a spawned process's `initialCall`: the BEAM's stack then has no apply frame, and
    /// for `:badfun` the frame of `error_handler` that raised it (its location left out).
    func erlangError(
        calling module: Atom, _ function: Atom, _ arguments: [Term], initialCall: Bool = false
    ) -> (reason: Term, stack: Term) {
        if let erlangReason {
            let isUndef = erlangReason == .atom("undef")
            var stack = erlangStack
            if module.text == "erlang", function.text == "apply" {
                if !initialCall {
                    stack.append(.tuple([.atom("erlang"), .atom("apply"), .int(arguments.count), .emptyList]))
                } else if !isUndef {
                    stack.append(.tuple([.atom("error_handler"), .atom("undefined_lambda"), .int(3), .emptyList]))
                }
            }
            return (erlangReason, .list(stack))
        }
        guard exceptionName == "UndefinedFunctionError", case .map(let fields) = value,
              case .atom(let missingModule)? = fields[.atom("module")], case .atom(let missing)? = fields[.atom("function")],
              case .int(let arity)? = fields[.atom("arity")] else { return (value, .emptyList) }
        let isRequested = missingModule == module && missing == function && arity == arguments.count
        let call = Term.tuple([.atom(missingModule), .atom(missing), isRequested ? .list(arguments) : .int(arity), .emptyList])
        return (.atom("undef"), .list([call]))
    }
}
