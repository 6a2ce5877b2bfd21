import ETF
import NodeRuntime

/// `Node`: this node's name, its connections, and processes spawned on other nodes.
///
/// Everything that crosses to another node goes through `LocalNode.remoteRouter`; a node that is
/// not distributed has none, and answers as a BEAM started without a name does.
enum NodeModule {
    static let module: NativeModule = {
        var m = NativeModule("Node")
        m.process("self", 0) { context, _ in .atom(context.node.name) }
        m.process("alive?", 0) { context, _ in .bool(isAlive(context)) }
        m.process("list", 0) { context, _ in .list(connected(context).map(Term.atom)) }
        m.process("list", 1) { context, args in .list(try list(args[0], context).map(Term.atom)) }
        m.process("connect", 1) { context, args in try await connect(try args[0].atom(), context) }
        m.process("disconnect", 1) { context, args in
            let target = try args[0].atom()
            guard isAlive(context) else { return .atom("ignored") }
            context.interpreter.nodeTable.note(target)
            return .bool(context.node.remoteRouter?.disconnect(target) ?? false)
        }
        m.process("ping", 1) { context, args in try await ping(try args[0].atom(), context) }
        m.process("monitor", 2) { context, args in
            try monitor(try args[0].atom(), enable: args[1], context)
        }
        for (name, options) in [("spawn", LocalNode.SpawnOptions()), ("spawn_link", .link), ("spawn_monitor", .monitor)] {
            m.process(name, 2) { context, args in
                let target = try args[0].atom()
                return result(try await spawn(on: target, try Spawnable(fun: args[1]), options, context), options)
            }
            m.process(name, 4) { context, args in
                let target = try args[0].atom()
                let spawnable = Spawnable.call(module: try args[1].atom(), function: try args[2].atom(), arguments: try args[3].list())
                return result(try await spawn(on: target, spawnable, options, context), options)
            }
        }
        // `Node.spawn/3,5`: spawn options, of which kvsh knows `:link` and `:monitor`.
        m.process("spawn", 3) { context, args in
            let options = try spawnOptions(args[2])
            return result(try await spawn(on: try args[0].atom(), try Spawnable(fun: args[1]), options, context), options)
        }
        m.process("spawn", 5) { context, args in
            let options = try spawnOptions(args[4])
            let spawnable = Spawnable.call(module: try args[1].atom(), function: try args[2].atom(), arguments: try args[3].list())
            return result(try await spawn(on: try args[0].atom(), spawnable, options, context), options)
        }
        return m
    }()

    private static func spawnOptions(_ term: Term) throws -> LocalNode.SpawnOptions {
        var options = LocalNode.SpawnOptions()
        for option in try term.list() {
            if option == .atom("link") { options.insert(.link) }
            if option == .atom("monitor") { options.insert(.monitor) }
        }
        return options
    }

    /// `:erlang.nodes/0,1`, `:erlang.monitor_node/2`: the BIFs under `Node`'s functions.
    static func addErlangFunctions(_ m: inout NativeModule) {
        m.process("nodes", 0) { context, _ in .list(connected(context).map(Term.atom)) }
        m.process("nodes", 1) { context, args in .list(try list(args[0], context).map(Term.atom)) }
        m.process("monitor_node", 2) { context, args in try monitor(try args[0].atom(), enable: args[1], context) }
        // What a BEAM peer's `Node.spawn(kvsh_node, fun)` asks for.
        m.process("apply", 2) { context, args in try await context.apply(args[0], try args[1].list()) }
        m.process("apply", 3) { context, args in
            try await context.interpreter.call(try args[0].atom(), try args[1].atom(), try args[2].list(), context)
        }
    }

    private static func isAlive(_ context: CallContext) -> Bool { context.node.name != .nonode }

    private static func connected(_ context: CallContext) -> [Atom] {
        context.node.remoteRouter?.connectedNodes ?? []
    }

    /// `Node.list/1`: `:visible`, `:hidden`, `:connected`, `:this`, `:known`, or a list of them.
    /// The BEAM lists other nodes first and this one last.
    private static func list(_ kinds: Term, _ context: CallContext) throws -> [Atom] {
        let requested = kinds.properList ?? [kinds]
        var others: [Atom] = []
        var this = false
        for kind in requested {
            switch try kind.atom().text {
            case "visible", "connected": others += connected(context)
            case "hidden": break
            case "this": this = true
            case "known":
                others += context.interpreter.nodeTable.known.dropLast() + connected(context)
                this = true
            default: throw ElixirError.argument()
            }
        }
        var seen = Set<Atom>()
        let local = context.node.name
        return (others.filter { $0 != local } + (this ? [local] : [])).filter { seen.insert($0).inserted }
    }

    /// `Node.connect/1`: `:ignored` on a node that is not alive, as on the BEAM.
    private static func connect(_ target: Atom, _ context: CallContext) async throws -> Term {
        guard isAlive(context) else { return .atom("ignored") }
        guard target != context.node.name else { return .true }
        context.interpreter.nodeTable.note(target)
        guard let router = context.node.remoteRouter else { return .false }
        return .bool(await router.connect(to: target))
    }

    /// `Node.monitor/2`: `{:nodedown, node}` arrives when the connection goes.
    private static func monitor(_ target: Atom, enable: Term, _ context: CallContext) throws -> Term {
        guard enable == .true || enable == .false else { throw ElixirError.argument() }
        guard isAlive(context) else {
            var error = ElixirError.normalized(.atom("notalive"))
            error.failedCall = ":erlang.monitor_node(\(Term.atom(target).inspect()), \(enable.inspect()))"
            throw error
        }
        guard target != context.node.name else { return .true }
        context.interpreter.nodeTable.note(target)
        if let router = context.node.remoteRouter {
            router.monitorNode(target, by: context.process.pid, enable: enable == .true)
        } else if enable == .true {
            context.node.send(.tuple([.atom("nodedown"), .atom(target)]), to: context.process.pid)
        }
        return .true
    }

    // MARK: - Ping

    /// How long `Node.ping/1` waits for `net_kernel`'s answer. `net_adm:ping/1` waits forever
    /// once connected; kvsh gives up and answers `:pang`, so a peer without a `net_kernel`
    /// that never answers cannot hang the shell.
    static let pingTimeout = 15_000

    /// `Node.ping/1` as `net_adm:ping/1`: connect, then ask `{:net_kernel, node}` `{:is_auth, node()}`
    /// with a gen_server call; `:yes` is `:pong`, anything else (a `:DOWN`, a timeout) `:pang`.
    private static func ping(_ target: Atom, _ context: CallContext) async throws -> Term {
        guard isAlive(context), let router = context.node.remoteRouter else {
            return .atom(isAlive(context) && target == context.node.name ? "pong" : "pang")
        }
        if target == context.node.name { return .atom("pong") }
        context.interpreter.nodeTable.note(target)
        guard await router.connect(to: target) else { return .atom("pang") }
        let request = Term.tuple([.atom("is_auth"), .atom(context.node.name)])
        do {
            let reply = try await GenServerModule.call(
                .tuple([.atom("net_kernel"), .atom(target)]), request, timeout: .int(pingTimeout), context)
            return .atom(reply == .atom("yes") ? "pong" : "pang")
        } catch let error as ElixirError where error.kind == .exit {
            // The call's exit (`:DOWN`, timeout): net_adm:ping's `pang`.
            return .atom("pang")
        }
    }

    // MARK: - Spawning on another node

    /// What `Node.spawn*` runs: a function value, or `module.function(arguments)`.
    enum Spawnable {
        case fun(Term)
        case call(module: Atom, function: Atom, arguments: [Term])

        init(fun: Term) throws {
            guard case .fun = fun else { throw ElixirError.argument() }
            self = .fun(fun)
        }

        /// The `{m, f, args}` of the spawn request another node receives. A kvsh closure travels
        /// as its quoted form: `Code.eval_quoted((fn -> … end).(), binding)`, binding the variables
        /// it captured that its body uses, which a kvsh peer and a real Elixir peer both run.
        /// A fun that came from a BEAM peer goes back as `:erlang.apply(fun, [])`, which that peer can run.
        func request(_ interpreter: Interpreter) -> (module: Atom, function: Atom, arguments: [Term]) {
            switch self {
            case let .call(module, function, arguments):
                return (module, function, arguments)
            case .fun(let term):
                guard case .fun(let fun) = term else { return (Atom("erlang"), Atom("apply"), [term, .emptyList]) }
                switch fun.kind {
                case let .export(module, function, 0):
                    return (module, function, [])
                case .export(let module, let function, let arity):
                    // `&Module.function/arity`, which fails over there as applying it here would.
                    let target = Term.tuple([.atom("."), .emptyList, .list([.atom(module), .atom(function)])])
                    let reference = Term.tuple([target, .list([.tuple([.atom("no_parens"), .true])]), .emptyList])
                    let slash = Term.tuple([.atom("/"), .emptyList, .list([reference, .int(arity)])])
                    let capture = Term.tuple([.atom("&"), .emptyList, .list([slash])])
                    return (Atom("Elixir.Code"), Atom("eval_quoted"), [Closure.calling(capture), .emptyList])
                case .closure(let closure as Closure):
                    let (code, binding) = closure.portableCall(interpreter)
                    return (Atom("Elixir.Code"), Atom("eval_quoted"), [code, binding])
                case .closure, .foreign:
                    return (Atom("erlang"), Atom("apply"), [term, .emptyList])
                }
            }
        }

        /// How the BEAM's warning names it: `:erlang::apply,[#Function<…>, []]`, `Hello::world,[1]`.
        var logged: String {
            let (module, function, arguments): (Atom, Atom, [Term]) = switch self {
            case .fun(let fun): (Atom("erlang"), Atom("apply"), [fun, .emptyList])
            case let .call(module, function, arguments): (module, function, arguments)
            }
            return "\(Term.atom(module).inspect()):\(Term.atom(function).inspect()),\(Term.list(arguments).inspect())"
        }
    }

    private static func result(_ spawned: (pid: Pid, monitor: Reference?), _ options: LocalNode.SpawnOptions) -> Term {
        guard options.contains(.monitor) else { return .pid(spawned.pid) }
        return .tuple([.pid(spawned.pid), spawned.monitor.map(Term.reference) ?? .nil])
    }

    /// `Node.spawn*`: locally when `target` is this node, else a spawn request whose
    /// `{:spawn_reply, id, …}` the caller waits for.
    ///
    /// When the request fails (no connection), the caller gets what OTP 25 gives: a warning in
    /// the log, and the pid of a local process that has already exited with the failure's reason,
    /// so a link or monitor to it reports `:noconnection`.
    static func spawn(
        on target: Atom, _ spawnable: Spawnable, _ options: LocalNode.SpawnOptions, _ context: CallContext
    ) async throws -> (pid: Pid, monitor: Reference?) {
        if target == context.node.name {
            switch spawnable {
            case .fun(let fun): return try KernelModule.spawn(fun, [], options, context)
            case let .call(module, function, arguments):
                return KernelModule.spawnMFA(module, function, arguments, options, context)
            }
        }
        context.interpreter.nodeTable.note(target)
        let process = context.process
        var failure = Term.atom(.noconnection)
        if let router = context.node.remoteRouter {
            let id = context.node.makeReference()
            let (module, function, arguments) = spawnable.request(context.interpreter)
            router.spawnRequest(
                on: target, id: id, from: process.pid, groupLeader: process.groupLeader,
                module: module, function: function, arguments: arguments, options: options)
            let reply = try await process.receive { message -> (ok: Bool, value: Term)? in
                guard case .tuple(let parts) = message, parts.count == 4, parts[0] == .atom("spawn_reply"),
                      parts[1] == .reference(id) else { return nil }
                return (parts[2] == .ok, parts[3])
            }
            if let reply, reply.ok, case .pid(let pid) = reply.value {
                return (pid, options.contains(.monitor) ? id : nil)
            }
            failure = reply?.value ?? failure
        }
        return try await failedSpawn(on: target, spawnable, options, reason: failure, context)
    }

    private static func failedSpawn(
        on target: Atom, _ spawnable: Spawnable, _ options: LocalNode.SpawnOptions, reason: Term, _ context: CallContext
    ) async throws -> (pid: Pid, monitor: Reference?) {
        var named: [Term] = []
        if options.contains(.link) { named.append(.atom("link")) }
        if options.contains(.monitor) { named.append(.atom("monitor")) }
        let shownOptions = named.isEmpty ? "" : " (\(Term.list(named).inspect()))"
        context.node.log("[warning] ** Can not start \(spawnable.logged)\(shownOptions) on \(Term.atom(target).inspect()) **")
        let process = context.process
        let spawned = context.node.spawn(parent: process, options: options) { _ in throw ProcessExit(reason: reason) }
        if options.contains(.link) {
            // The link's exit signal reaches the caller before `Node.spawn_link` returns, as when
            // the BEAM's spawn request fails: wait for the process to be gone, then obey it.
            let ref = context.node.monitor(process, spawned.pid)
            _ = try await process.receive(timeout: .milliseconds(5000)) { message -> Term? in
                guard case .tuple(let parts) = message, parts.count == 5, parts[0] == .atom(.down), parts[1] == .reference(ref) else { return nil }
                return message
            }
            try process.checkpointNow()
        }
        return spawned
    }
}
