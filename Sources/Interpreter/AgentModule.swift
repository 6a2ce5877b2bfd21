import ETF
import NodeRuntime

/// `Agent`: a process holding a state, spoken to with GenServer's messages as Elixir's Agent.Server is:
/// calls are `{:"$gen_call", {from, tag}, {:get | :get_and_update | :update, fun}}` answered `{tag, reply}`,
/// casts `{:"$gen_cast", {:cast, fun}}`, and `stop/1` the system message `{:system, from, {:terminate, reason}}`.
enum AgentModule {
    static let module: NativeModule = {
        var m = NativeModule("Agent")
        m.process("start_link", 1, 2) { context, args in try await start(args, link: true, context) }
        m.process("start", 1, 2) { context, args in try await start(args, link: false, context) }
        for (name, tag) in [("get", "get"), ("update", "update"), ("get_and_update", "get_and_update")] {
            m.process(name, 2, 3) { context, args in
                let timeout = args.count > 2 ? args[2] : .int(5000)
                return try await GenServerModule.call(args[0], .tuple([.atom(tag), args[1]]), timeout: timeout, context)
            }
        }
        m.process("cast", 2) { context, args in
            GenServer.cast(try GenServerModule.server(args[0], context), .tuple([.atom("cast"), args[1]]), from: context.process)
            return .ok
        }
        m.process("stop", 1, 2, 3) { context, args in
            let reason = args.count > 1 ? args[1] : .atom("normal")
            guard let pid = try? ProcessModule.resolve(args[0], context) else {
                throw ElixirError.exit(.tuple([.atom("noproc"), .tuple([.atom("Elixir.GenServer"), .atom("stop"), .list([args[0], reason, .atom("infinity")])])]))
            }
            let ref = context.node.monitor(context.process, pid)
            context.node.send(.tuple([.atom("system"), .tuple([.pid(context.process.pid), .reference(ref)]), .tuple([.atom("terminate"), reason])]), to: pid)
            let down = try await context.process.receive { message -> Term? in
                guard case .tuple(let parts) = message, parts.count == 5, parts[0] == .atom("DOWN"), parts[1] == .reference(ref) else { return nil }
                return parts[4]
            }
            if let down, down != reason, down != .atom("normal") {
                throw ElixirError.exit(.tuple([down, .tuple([.atom("Elixir.GenServer"), .atom("stop"), .list([args[0], reason, .atom("infinity")])])]))
            }
            return .ok
        }
        return m
    }()

    static func start(_ args: [Term], link: Bool, _ context: CallContext) async throws -> Term {
        let fun = args[0]
        let options = args.count > 1 ? try KeywordModule.pairs(args[1]) : []
        let name = try options.first { $0.0 == .atom("name") }.map { try $0.1.atom() }
        if let name, let existing = context.node.whereis(name) {
            return .tuple([.error, .tuple([.atom("already_started"), .pid(existing)])])
        }
        let interpreter = context.interpreter
        let parent = context.process.pid
        let ack = context.node.makeReference()
        let (pid, monitor) = context.node.spawn(parent: context.process, options: link ? [.link, .monitor] : [.monitor]) { process in
            let serverContext = CallContext(process: process, interpreter: interpreter)
            if let name { try? process.node.register(name, process.pid) }
            let state = try await serverContext.apply(fun, [])
            process.node.send(.tuple([.reference(ack), .ok]), to: parent)
            try await serve(state, serverContext)
        }
        enum Started { case ok, down(Term) }
        let started = try await context.process.receive { message -> Started? in
            guard case .tuple(let parts) = message else { return nil }
            if parts.count == 2, parts[0] == .reference(ack) { return .ok }
            if parts.count == 5, parts[0] == .atom("DOWN"), let monitor, parts[1] == .reference(monitor) { return .down(parts[4]) }
            return nil
        }
        if let monitor { _ = context.node.demonitor(context.process, monitor) }
        if case .down(let reason)? = started { return .tuple([.error, reason]) }
        return .tuple([.ok, .pid(pid)])
    }

    /// The server's loop: one message at a time, the state threaded through.
    static func serve(_ initial: Term, _ context: CallContext) async throws {
        var state = initial
        while true {
            guard let message = try await context.process.receive(), case .tuple(let parts) = message else { continue }
            switch (parts.first, parts.count) {
            case (.atom(Atom("$gen_call"))?, 3):
                guard case .tuple(let request) = parts[2], request.count == 2 else { continue }
                let reply: Term
                switch request[0] {
                case .atom(Atom("get")):
                    reply = try await context.apply(request[1], [state])
                case .atom(Atom("update")):
                    state = try await context.apply(request[1], [state])
                    reply = .ok
                case .atom(Atom("get_and_update")):
                    let result = try await context.apply(request[1], [state])
                    guard case .tuple(let pair) = result, pair.count == 2 else {
                        throw ElixirError.caseClause(result)
                    }
                    reply = pair[0]
                    state = pair[1]
                default:
                    continue
                }
                GenServer.reply(to: parts[1], reply, by: context.process)
            case (.atom(Atom("$gen_cast"))?, 2):
                guard case .tuple(let request) = parts[1], request.count == 2, request[0] == .atom("cast") else { continue }
                state = try await context.apply(request[1], [state])
            case (.atom(Atom("system"))?, 3):
                guard case .tuple(let from) = parts[1], from.count == 2, case .pid(let caller) = from[0],
                      case .tuple(let request) = parts[2], request.count == 2, request[0] == .atom("terminate") else { continue }
                // `stop/1` waits for the `:DOWN` instead of a reply, so none is left in its mailbox.
                _ = caller
                if request[1] == .atom("normal") { return }
                throw ElixirError.exit(request[1])
            default:
                continue
            }
        }
    }
}
