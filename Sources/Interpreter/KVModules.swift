import ETF
import KV
import NodeRuntime

/// The guide's `KV` application as native modules: `KV.Registry`, `KV.Bucket`, `KV.Router` and
/// `KVServer.Command`, over the node's `KVApplication` (the interpreter's `kv`).
enum KVModules {
    static let modules: [NativeModule] = [registry, bucket, router, command]

    /// The node's `:kv` application, or the error Elixir gives when it is not started.
    static func application(_ context: CallContext) throws -> KVApplication {
        guard let kv = context.interpreter.kv else {
            throw ElixirError.runtime("the :kv application is not started on \(Term.atom(context.node.name).inspect())")
        }
        return kv
    }

    // MARK: - KV.Registry

    static let registry: NativeModule = {
        var m = NativeModule("KV.Registry")
        /// `create/2` is a call to the registry process, which starts the bucket if missing.
        m.process("create", 2) { context, args in
            try await genServerCall(args[0], .tuple([.atom("create"), args[1]]), context)
        }
        /// `lookup/2` reads the registry's table without a message, as the guide's ETS lookup does.
        m.process("lookup", 2) { context, args in
            guard case .binary(let name) = args[1] else { throw ElixirError.argument() }
            if args[0] == .atom(Registry.name), let kv = context.interpreter.kv {
                return kv.registry.lookup(name).map { .tuple([.ok, .pid($0)]) } ?? .error
            }
            return try await genServerCall(args[0], .tuple([.atom("lookup"), args[1]]), context)
        }
        return m
    }()

    // MARK: - KV.Bucket

    /// Agent calls with `{Map, fun, args}`: a bucket on another node, or a real Elixir one, runs
    /// them without needing this node's code.
    static let bucket: NativeModule = {
        var m = NativeModule("KV.Bucket")
        m.process("start_link", 1) { context, _ in
            .tuple([.ok, .pid(Bucket.start(on: context.node, parent: context.process, options: [.link]).pid)])
        }
        m.process("get", 2) { context, args in
            try await genServerCall(args[0], .tuple([.atom("get"), mapCall("get", [args[1]])]), context)
        }
        m.process("put", 3) { context, args in
            try await genServerCall(args[0], .tuple([.atom("update"), mapCall("put", [args[1], args[2]])]), context)
        }
        m.process("delete", 2) { context, args in
            try await genServerCall(args[0], .tuple([.atom("get_and_update"), mapCall("pop", [args[1]])]), context)
        }
        return m
    }()

    private static func mapCall(_ function: String, _ args: [Term]) -> Term {
        .tuple([.atom("Elixir.Map"), .atom(function), .list(args)])
    }

    /// `GenServer.call/2`, through the interpreter so that failures read as Elixir prints them.
    private static func genServerCall(_ server: Term, _ request: Term, _ context: CallContext) async throws -> Term {
        try await context.interpreter.call(Atom("Elixir.GenServer"), Atom("call"), [server, request], context)
    }

    // MARK: - KV.Router

    static let router: NativeModule = {
        var m = NativeModule("KV.Router")
        m.process("route", 4) { context, args in
            let kv = try application(context)
            guard let arguments = args[3].properList else { throw ElixirError.argument() }
            let (module, function) = (try args[1].atom(), try args[2].atom())
            return try await asElixirErrors {
                try await kv.route(args[0], module, function, arguments, in: context.process) { module, function, arguments in
                    try await context.interpreter.call(module, function, arguments, context)
                }
            }
        }
        m.process("table", 0) { context, _ in try application(context).routingTable.term }
        return m
    }()

    // MARK: - KVServer.Command

    /// The guide's `KVServer.Command`: `parse/1` of a line, `run/1` of a parsed command.
    static let command: NativeModule = {
        var m = NativeModule("KVServer.Command")
        m.pure("parse", 1) { args in
            guard case .binary(let line) = args[0] else { throw ElixirError.argument() }
            guard let command = Command(parsing: line) else { return .tuple([.error, .atom("unknown_command")]) }
            return .tuple([.ok, term(command)])
        }
        m.process("run", 1) { context, args in
            guard let command = command(args[0]) else { throw ElixirError.functionClause(Atom("Elixir.KVServer.Command"), Atom("run"), arity: 1) }
            switch try await run(command, context) {
            case .notFound: return .tuple([.error, .atom("not_found")])
            case .failedToCreate: return .tuple([.error, .string("FAILED TO CREATE BUCKET")])
            case let reply: return .tuple([.ok, .binary(reply.bytes)])
            }
        }
        return m
    }()

    static func run(_ command: Command, _ context: CallContext) async throws -> KVApplication.CommandReply {
        let kv = try application(context)
        return try await asElixirErrors {
            try await kv.run(command, in: context.process) { module, function, arguments in
                try await context.interpreter.call(module, function, arguments, context)
            }
        }
    }

    /// The router's failures as Elixir raises them: the guide's RuntimeError for a missing entry,
    /// `:binary.first/1`'s ArgumentError, and the exits of `GenServer.call` and `Task.await`.
    private static func asElixirErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RoutingTableError {
            throw ElixirError.exception(error.exceptionModule, error.description)
        } catch let error as RoutingError {
            throw ElixirError.exception(error.exceptionModule, error.description)
        } catch let error as GenServer.CallError {
            throw ElixirError.exit(error.exitReason)
        } catch let error as TaskExit {
            throw ElixirError.exit(error.exitReason)
        }
    }

    /// `{:create, "shopping"}`, `{:get, "shopping", "milk"}`, ... as `parse/1` returns them.
    private static func term(_ command: Command) -> Term {
        switch command {
        case .create(let bucket): .tuple([.atom("create"), .binary(bucket)])
        case let .get(bucket, key): .tuple([.atom("get"), .binary(bucket), .binary(key)])
        case let .put(bucket, key, value): .tuple([.atom("put"), .binary(bucket), .binary(key), .binary(value)])
        case let .delete(bucket, key): .tuple([.atom("delete"), .binary(bucket), .binary(key)])
        }
    }

    private static func command(_ term: Term) -> Command? {
        guard case .tuple(let parts) = term, case .atom(let verb)? = parts.first else { return nil }
        let words = parts.dropFirst().compactMap { part -> [UInt8]? in
            if case .binary(let bytes) = part { return bytes }
            return nil
        }
        guard words.count == parts.count - 1 else { return nil }
        switch (verb.text, words.count) {
        case ("create", 1): return .create(bucket: words[0])
        case ("get", 2): return .get(bucket: words[0], key: words[1])
        case ("put", 3): return .put(bucket: words[0], key: words[1], value: words[2])
        case ("delete", 2): return .delete(bucket: words[0], key: words[1])
        default: return nil
        }
    }

    // MARK: - Application.put_env(:kv, :routing_table, ...)

    /// The `:kv` environment keys the application reads; a bad routing table is refused here, at
    /// `put_env`, rather than failing some later route.
    /// - Returns: true when `key` belongs to the KV application and was stored.
    static func putEnv(_ app: Atom, _ key: Atom, _ value: Term, _ context: CallContext) throws -> Bool {
        guard app == Atom("kv"), key == Atom("routing_table"), let kv = context.interpreter.kv else { return false }
        do {
            kv.routingTable = try RoutingTable(value)
        } catch {
            throw ElixirError.exception(error.exceptionModule, error.description)
        }
        return true
    }

    /// `Application.get_env(:kv, :routing_table)`: the table routing uses now.
    static func env(_ app: Atom, _ key: Atom, _ context: CallContext) -> Term? {
        guard app == Atom("kv"), key == Atom("routing_table"), let kv = context.interpreter.kv else { return nil }
        return kv.routingTable.term
    }
}

extension Interpreter {
    /// Runs a bucket command (`PUT shopping milk 1`) in `context`'s process as the text server
    /// runs it, routed calls applied by this interpreter.
    /// - Throws: `ElixirError`, as `KVServer.Command.run/1` would raise or exit.
    public func run(_ command: Command, in context: CallContext) async throws -> KVApplication.CommandReply {
        try await KVModules.run(command, context)
    }
}

extension ElixirError {
    /// An exception of the module `module` (`Elixir.RuntimeError`) with `message`.
    static func exception(_ module: Atom, _ message: String) -> ElixirError {
        exception(String(module.text.dropFirst("Elixir.".count)), [("message", .string(message))])
    }
}
