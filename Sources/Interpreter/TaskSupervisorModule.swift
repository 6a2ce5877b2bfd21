import ETF
import NodeRuntime

/// `Task.Supervisor`: supervisors of this node (NodeRuntime's `TaskSupervisor`) and tasks
/// started by any supervisor, this node's or another's, kvsh or BEAM, with Elixir 1.14's messages.
enum TaskSupervisorModule {
    static let module: NativeModule = {
        var m = NativeModule("Task.Supervisor")
        m.process("start_link", 0, 1) { context, args in
            let options = args.isEmpty ? [] : try KeywordModule.pairs(args[0])
            let name = try options.first { $0.0 == .atom("name") }.map { try $0.1.atom() }
            do {
                return .tuple([.ok, .pid(try TaskSupervisor.start(on: context.node, name: name, linkedTo: context.process))])
            } catch TaskSupervisor.StartError.alreadyStarted(_, let pid) {
                return .tuple([.error, .tuple([.atom("already_started"), .pid(pid)])])
            }
        }
        for (name, link) in [("async", true), ("async_nolink", false)] {
            m.process(name, 2, 3) { context, args in
                guard case .fun = args[1] else { throw ElixirError.functionClause(moduleName, Atom(name), arity: 3) }
                return try await async(args[0], fun: args[1], link: link, context)
            }
            m.process(name, 4, 5) { context, args in
                let (module, function, arguments) = try mfa(args, name, context)
                return try await TaskModule.awaiting(context) {
                    try await AsyncTask.async(
                        supervisor: try server(args[0], context), module, function, arguments, link: link, from: context.process
                    ).term
                }
            }
        }
        m.process("start_child", 2, 3) { context, args in
            guard case .fun = args[1] else { throw ElixirError.functionClause(moduleName, Atom("start_child"), arity: 3) }
            let supervisor = try server(args[0], context)
            let (module, function, arguments) = sendable(args[1], to: supervisor, context)
            return try await TaskModule.awaiting(context) {
                try await AsyncTask.startChild(supervisor: supervisor, module, function, arguments, from: context.process)
            }
        }
        m.process("start_child", 4, 5) { context, args in
            let (module, function, arguments) = try mfa(args, "start_child", context)
            return try await TaskModule.awaiting(context) {
                try await AsyncTask.startChild(supervisor: try server(args[0], context), module, function, arguments, from: context.process)
            }
        }
        m.process("children", 1) { context, args in
            let children = try await GenServerModule.call(args[0], .atom("which_children"), timeout: .atom(.infinity), context)
            return .list((children.properList ?? []).compactMap { child in
                guard case .tuple(let parts) = child, parts.count == 4, case .pid = parts[1] else { return nil }
                return parts[1]
            })
        }
        return m
    }()

    private static let moduleName = Atom("Elixir.Task.Supervisor")

    /// `async(sup, fn)`: the %Task{} says `{:erlang, :apply, 2}` whatever form the fn travels in.
    private static func async(_ supervisorTerm: Term, fun: Term, link: Bool, _ context: CallContext) async throws -> Term {
        let supervisor = try server(supervisorTerm, context)
        let (module, function, arguments) = sendable(fun, to: supervisor, context)
        let shown = Term.tuple([.atom("erlang"), .atom("apply"), .int(2)])
        return try await TaskModule.awaiting(context) {
            try await AsyncTask.async(
                supervisor: supervisor, module, function, arguments, link: link, shownAs: shown, from: context.process
            ).term
        }
    }

    /// `{:erlang, :apply, [fn, []]}` for a supervisor of this node. For another node's, a kvsh
    /// closure cannot cross the wire as a value: it goes as code (`Node.spawn`'s form), evaluated
    /// by `:erl_eval.expr/5` so that the task answers the fn's value, not `Code.eval_quoted`'s
    /// `{value, binding}`; a kvsh peer and a BEAM peer both run that.
    private static func sendable(_ fun: Term, to supervisor: GenServer.Server, _ context: CallContext) -> (Atom, Atom, [Term]) {
        let remote: Bool = switch supervisor {
        case .pid(let pid): !context.node.isLocal(pid)
        case .name: false
        case .named(_, let node): node != context.node.name
        }
        guard remote, let spawnable = try? NodeModule.Spawnable(fun: fun) else { return (Atom("erlang"), Atom("apply"), [fun, .emptyList]) }
        let request = spawnable.request(context.interpreter)
        guard request.module == Atom("Elixir.Code"), request.function == Atom("eval_quoted") else {
            return (request.module, request.function, request.arguments)
        }
        let (q, b) = (Atom("Q"), Atom("B"))
        let evaluation = ErlEvalModule.call(Atom("Elixir.Code"), Atom("eval_quoted"), [ErlEvalModule.variable(q), ErlEvalModule.variable(b)])
        let value = ErlEvalModule.call(Atom("erlang"), Atom("element"), [ErlEvalModule.integer(1), evaluation])
        let bindings = Term.list([.tuple([.atom(b), request.arguments[1]]), .tuple([.atom(q), request.arguments[0]])])
        return (Atom("erl_eval"), Atom("expr"), [value, bindings, .atom("none"), .atom("none"), .atom("value")])
    }

    private static func mfa(_ args: [Term], _ function: String, _ context: CallContext) throws -> (Atom, Atom, [Term]) {
        guard case .atom(let module) = args[1], case .atom(let name) = args[2], let arguments = args[3].properList else {
            throw ElixirError.functionClause(moduleName, Atom(function), arity: 5)
        }
        return (module, name, arguments)
    }

    private static func server(_ term: Term, _ context: CallContext) throws -> GenServer.Server {
        try GenServerModule.server(term, context)
    }
}
