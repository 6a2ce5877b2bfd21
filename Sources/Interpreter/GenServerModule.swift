import ETF
import NodeRuntime

/// `GenServer`'s client functions, over NodeRuntime's `GenServer` (gen's call through an alias).
enum GenServerModule {
    static let module: NativeModule = {
        var m = NativeModule("GenServer")
        m.process("call", 2, 3) { context, args in
            try await call(args[0], args[1], timeout: args.count > 2 ? args[2] : .int(5000), context)
        }
        m.process("cast", 2) { context, args in
            GenServer.cast(try server(args[0], context), args[1], from: context.process)
            return .ok
        }
        m.process("reply", 2) { context, args in
            GenServer.reply(to: args[0], args[1], by: context.process)
            return .ok
        }
        m.process("whereis", 1) { context, args in
            try server(args[0], context).whereis(on: context.node) ?? .nil
        }
        return m
    }()

    /// `GenServer.call/3`, exiting as Elixir's does: `{reason, {GenServer, :call, [server, request, timeout]}}`.
    static func call(_ server: Term, _ request: Term, timeout: Term, _ context: CallContext) async throws -> Term {
        let target = try Self.server(server, context)
        do {
            return try await GenServer.call(target, request, timeout: try ProcessModule.timeout(timeout), from: context.process)
        } catch let error as GenServer.CallError {
            throw ElixirError.exit(error.exitReason)
        }
    }

    /// A pid, a name, or `{name, node}` (whose node the shell learns, to show its pids);
    /// anything else fails as `GenServer.whereis/1` does.
    static func server(_ term: Term, _ context: CallContext) throws -> GenServer.Server {
        guard let server = GenServer.Server(term) else {
            throw ElixirError.functionClause(Atom("Elixir.GenServer"), Atom("whereis"), arity: 1)
        }
        if case .named(_, let node) = server, node != context.node.name { context.interpreter.nodeTable.note(node) }
        return server
    }
}
