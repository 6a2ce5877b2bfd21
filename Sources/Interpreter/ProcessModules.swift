import ETF
import NodeRuntime

/// `Process`: the runtime's process API as Elixir names it.
enum ProcessModule {
    static let module: NativeModule = {
        var m = NativeModule("Process")
        m.process("sleep", 1) { context, args in
            _ = try await context.process.receive(timeout: try timeout(args[0])) { _ in Optional<Term>.none }
            return .ok
        }
        m.process("exit", 2) { context, args in
            context.node.exit(try args[0].pid(), reason: args[1], from: context.process.pid)
            // A signal to oneself takes effect before the call returns, as on the BEAM.
            if try args[0].pid() == context.process.pid { try context.process.checkpointNow() }
            return .true
        }
        m.process("link", 1) { context, args in
            context.node.link(context.process, to: try args[0].pid())
            return .true
        }
        m.process("unlink", 1) { context, args in
            context.node.unlink(context.process, from: try args[0].pid())
            return .true
        }
        m.process("monitor", 1) { context, args in
            switch args[0] {
            case .pid(let pid): return .reference(context.node.monitor(context.process, pid))
            case .atom(let name): return .reference(context.node.monitor(context.process, name: name))
            case .tuple(let pair) where pair.count == 2:
                guard case .atom(let name) = pair[0], case .atom(let node) = pair[1] else { throw ElixirError.argument() }
                if node != context.node.name && context.node.remoteRouter == nil {
                    // A node that is not distributed cannot watch a name elsewhere: the BEAM's badarg.
                    var error = ElixirError.argument("errors were found at the given arguments:\n\n  * 2nd argument: not a pid\n")
                    error.failedCall = ":erlang.monitor(:process, \(args[0].inspect()))"
                    throw error
                }
                context.interpreter.nodeTable.note(node)
                return .reference(context.node.monitor(context.process, name: name, node: node))
            default: throw ElixirError.argument()
            }
        }
        m.process("demonitor", 1, 2) { context, args in
            guard case .reference(let ref) = args[0] else { throw ElixirError.argument() }
            context.node.demonitor(context.process, ref)
            if args.count == 2, (args[1].properList ?? []).contains(.atom("flush")) {
                _ = try await context.process.receive(timeout: .milliseconds(0)) { message in
                    if case .tuple(let parts) = message, parts.count == 5, parts[1] == .reference(ref) { return message }
                    return nil
                }
            }
            return .true
        }
        m.process("flag", 2) { context, args in
            guard args[0] == .atom("trap_exit") else { throw ElixirError.argument() }
            let previous = context.process.trapExit
            context.process.trapExit = args[1] == .true
            return .bool(previous)
        }
        m.process("alive?", 1) { context, args in
            let pid = try args[0].pid()
            guard context.node.isLocal(pid) else {
                // The BEAM answers only for its own processes.
                var error = ElixirError.argument("errors were found at the given arguments:\n\n  * 1st argument: not a pid\n")
                error.failedCall = ":erlang.is_process_alive(\(args[0].inspect(context.interpreter.inspectOptions())))"
                throw error
            }
            return .bool(context.node.process(pid)?.isAlive ?? false)
        }
        m.process("register", 2) { context, args in
            do {
                try context.node.register(try args[1].atom(), try args[0].pid())
            } catch {
                throw ElixirError.argument("could not register \(args[0].inspect()) with name \(args[1].inspect())")
            }
            return .true
        }
        m.process("unregister", 1) { context, args in
            guard context.node.unregister(try args[0].atom()) else { throw ElixirError.argument() }
            return .true
        }
        m.process("whereis", 1) { context, args in
            context.node.whereis(try args[0].atom()).map(Term.pid) ?? .nil
        }
        m.process("registered", 0) { context, _ in .list(context.node.registeredNames.map(Term.atom)) }
        m.process("send_after", 3) { context, args in
            let target = try resolve(args[0], context)
            _ = context.node.sendAfter(try args[2].int(), args[1], to: target)
            return .reference(context.node.makeReference())
        }
        m.process("send", 3) { context, args in
            try send(args[1], to: args[0], context)
            return .ok
        }
        m.process("put", 2) { context, args in
            defer { context.process.dictionary[args[0]] = args[1] }
            return context.process.dictionary[args[0]] ?? .nil
        }
        m.process("get", 1, 2) { context, args in context.process.dictionary[args[0]] ?? (args.count > 1 ? args[1] : .nil) }
        m.process("delete", 1) { context, args in context.process.dictionary.removeValue(forKey: args[0]) ?? .nil }
        m.process("group_leader", 0) { context, _ in .pid(context.process.groupLeader) }
        m.process("list", 0) { context, _ in .list([.pid(context.process.pid)]) }
        m.process("info", 2) { context, args in
            guard let target = context.node.process(try args[0].pid()) else { return .nil }
            switch args[1] {
            case .atom(Atom("message_queue_len")): return .tuple([args[1], .int(target.messageQueueLength)])
            case .atom(Atom("links")): return .tuple([args[1], .list(target.links.map(Term.pid))])
            case .atom(Atom("registered_name")): return .tuple([args[1], target.registeredName.map(Term.atom) ?? .list([])])
            default: throw ElixirError.argument()
            }
        }
        return m
    }()

    static func timeout(_ term: Term) throws -> NodeRuntime.Process.Timeout {
        switch term {
        case .int(let ms) where ms >= 0: .milliseconds(ms)
        case .atom(.infinity): .infinity
        default: throw ElixirError.argument()
        }
    }

    /// A pid, or a registered name on this node.
    static func resolve(_ destination: Term, _ context: CallContext) throws -> Pid {
        switch destination {
        case .pid(let pid): return pid
        case .atom(let name):
            guard let pid = context.node.whereis(name) else { throw ElixirError.argument() }
            return pid
        default: throw ElixirError.argument()
        }
    }

    /// `send/2`: to a pid, a registered name (ArgumentError when unknown, as on the BEAM) or `{name, node}`.
    static func send(_ message: Term, to destination: Term, _ context: CallContext) throws {
        if case .tuple(let pair) = destination, pair.count == 2, case .atom(let name) = pair[0], case .atom(let node) = pair[1] {
            if node == context.node.name {
                if let pid = context.node.whereis(name) { context.node.send(message, to: pid) }
            } else if let router = context.node.remoteRouter {
                context.interpreter.nodeTable.note(node)
                router.send(message, toName: name, on: node, from: context.process.pid)
            }
            return
        }
        context.node.send(message, to: try resolve(destination, context))
    }
}

/// `IO`: output through the group leader, with the Erlang io protocol.
enum IOModule {
    static let module: NativeModule = {
        var m = NativeModule("IO")
        m.process("puts", 1) { context, args in try await write(try IOData.bytes(chars(args[0])) + [10], context) }
        m.process("write", 1) { context, args in try await write(try IOData.bytes(chars(args[0])), context) }
        m.process("inspect", 1, 2) { context, args in
            _ = try await write(Array(args[0].inspect(context.interpreter.inspectOptions(InspectOptions(pretty: true))).utf8) + [10], context)
            return args[0]
        }
        return m
    }()

    private static func chars(_ term: Term) throws -> Term {
        switch term {
        case .atom, .int, .float, .bigInteger: .string(try KernelModule.text(term))
        default: term
        }
    }

    /// Sends `{:io_request, self, ref, {:put_chars, :unicode, bytes}}` to the group leader and waits for its reply.
    static func write(_ bytes: [UInt8], _ context: CallContext) async throws -> Term {
        let ref = Term.reference(context.node.makeReference())
        let request = Term.tuple([.atom("put_chars"), .atom("unicode"), .binary(bytes)])
        context.node.send(.tuple([.atom("io_request"), .pid(context.process.pid), ref, request]), to: context.process.groupLeader)
        let reply = try await context.process.receive(timeout: .milliseconds(30_000)) { message -> Term? in
            guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom("io_reply"), parts[1] == ref else { return nil }
            return parts[2]
        }
        return reply ?? .ok
    }
}

/// `Task`: async/await as Elixir 1.14 does it, over NodeRuntime's `AsyncTask` (the task replies
/// to an alias that is also the owner's monitor).
enum TaskModule {
    static let module: NativeModule = {
        var m = NativeModule("Task")
        m.process("async", 1) { context, args in
            guard case .fun(let fun) = args[0], fun.arity == 0 else {
                throw ElixirError.functionClause(Atom("Elixir.Task"), Atom("async"), arity: 1)
            }
            return AsyncTask.async(Atom("erlang"), Atom("apply"), [args[0], .emptyList], from: context.process).term
        }
        m.process("async", 3) { context, args in
            guard case .atom(let module) = args[0], case .atom(let function) = args[1], let arguments = args[2].properList else {
                throw ElixirError.functionClause(Atom("Elixir.Task"), Atom("async"), arity: 3)
            }
            return AsyncTask.async(module, function, arguments, from: context.process).term
        }
        m.process("await", 1, 2) { context, args in
            let task = try task(args[0], "await", context)
            let timeout = try ProcessModule.timeout(args.count > 1 ? args[1] : .int(5000))
            return try await awaiting(context) { try await task.await(timeout: timeout, in: context.process) }
        }
        m.process("yield", 1, 2) { context, args in
            let task = try task(args[0], "yield", context)
            let timeout = try ProcessModule.timeout(args.count > 1 ? args[1] : .int(5000))
            switch try await awaiting(context, { try await task.yield(timeout: timeout, in: context.process) }) {
            case .ok(let value)?: return .tuple([.ok, value])
            case .exit(let reason)?: return .tuple([.atom("exit"), reason])
            case nil: return .nil
            }
        }
        m.process("await_many", 1, 2) { context, args in
            guard let terms = args[0].properList else { throw ElixirError.functionClause(Atom("Elixir.Task"), Atom("await_many"), arity: 2) }
            let tasks = try terms.map { try task($0, "await_many", context) }
            let timeout = try ProcessModule.timeout(args.count > 1 ? args[1] : .int(5000))
            return .list(try await awaiting(context) { try await AsyncTask.awaitMany(tasks, timeout: timeout, in: context.process) })
        }
        return m
    }()

    /// A `%Task{}`, or the FunctionClauseError Elixir's `Task.function/2` gives anything else.
    static func task(_ term: Term, _ function: String, _ context: CallContext) throws -> AsyncTask {
        guard let task = AsyncTask(term) else { throw ElixirError.functionClause(Atom("Elixir.Task"), Atom(function), arity: 2) }
        return task
    }

    /// Runs an await, turning NodeRuntime's failures into what Elixir raises and exits with.
    static func awaiting<T>(_ context: CallContext, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let exit as TaskExit {
            throw ElixirError.exit(exit.exitReason)
        } catch let exit as GenServer.CallError {
            throw ElixirError.exit(exit.exitReason)
        } catch TaskError.notOwner(let task, let caller) {
            let options = context.interpreter.inspectOptions()
            throw ElixirError.argument("task \(task.term.inspect(options)) must be queried from the owner but was queried from \(Term.pid(caller).inspect(options))")
        } catch TaskError.notStarted(let reply) {
            throw ElixirError.caseClause(reply)
        }
    }
}

/// `:timer`.
enum TimerModule {
    static let module: NativeModule = {
        var m = NativeModule(":timer")
        m.process("sleep", 1) { context, args in
            _ = try await context.process.receive(timeout: try ProcessModule.timeout(args[0])) { _ in Optional<Term>.none }
            return .ok
        }
        return m
    }()
}

/// iex's helpers that need the shell process: `flush/0`, `v/0,1`, `h/0`, `i/1`.
public enum IExHelpers {
    /// What helpers that only print return, as iex's `IEx.dont_display_result/0`: the shell
    /// prints no result for it.
    public static let dontDisplayResult = Term.atom("do not show this result in output")

    /// Results of this shell process, in order: result n is prompt n's, as the counter advances
    /// only on success. A new shell process starts a new history, as its counter starts at 1.
    private static let historyKey = Term.atom("$kvsh_history")

    static func remember(_ value: Term, in process: NodeRuntime.Process) {
        let previous = process.dictionary[historyKey] ?? .emptyList
        process.dictionary[historyKey] = .cons(Cons(value, previous))
    }

    static let module: NativeModule = {
        var m = NativeModule("IEx.Helpers")
        m.process("v", 0, 1) { context, args in
            let history = Array((context.process.dictionary[historyKey]?.properList ?? []).reversed())
            let n = args.isEmpty ? -1 : try args[0].int()
            let index = n < 0 ? history.count + n : n - 1
            guard history.indices.contains(index) else { throw ElixirError.runtime("v(\(n)) is out of bounds") }
            return history[index]
        }
        m.process("h", 0) { context, _ in
            let text = Documentation.help(.module(Atom("Elixir.IEx.Helpers")), kind: context.interpreter.moduleKind)
            _ = try await IOModule.write(Array(text.utf8), context)
            return dontDisplayResult
        }
        m.process("i", 1) { context, args in
            let text = "Term\n  \(args[0].inspect())\nData type\n  \(Enumerable.typeName(args[0]))\n"
            _ = try await IOModule.write(Array(text.utf8), context)
            return .atom("ok")
        }
        m.process("flush", 0) { context, _ in
            let options = context.interpreter.inspectOptions(InspectOptions(pretty: true))
            for message in context.process.drainMailbox() {
                _ = try await IOModule.write(Array(message.inspect(options).utf8) + [10], context)
            }
            return .ok
        }
        return m
    }()
}

/// `Application` environment.
enum ApplicationModule {
    static let module: NativeModule = {
        var m = NativeModule("Application")
        m.process("put_env", 3, 4) { context, args in
            let app = try args[0].atom()
            let key = try args[1].atom()
            if try KVModules.putEnv(app, key, args[2], context) { return .ok }
            context.interpreter.applicationEnv.withLock { $0[app, default: [:]][key] = args[2] }
            return .ok
        }
        m.process("get_env", 2, 3) { context, args in
            let app = try args[0].atom()
            let key = try args[1].atom()
            if let value = KVModules.env(app, key, context) { return value }
            return context.interpreter.applicationEnv.withLock { $0[app]?[key] } ?? (args.count > 2 ? args[2] : .nil)
        }
        return m
    }()
}
