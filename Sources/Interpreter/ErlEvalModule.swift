import ETF
import NodeRuntime

/// `:erl_eval.expr/5` for the one Erlang expression kvsh sends to run a `fn` on another node
/// and get its value back: `element(1, 'Elixir.Code':eval_quoted(Q, B))`. `Code.eval_quoted/2`
/// alone answers `{value, binding}`; a task must answer the value, and `erl_eval` with the
/// `:value` format is what a BEAM peer offers for that. So a kvsh peer runs it too: remote
/// calls, variables, integers and atoms of the abstract format, nothing more.
enum ErlEvalModule {
    static let module: NativeModule = {
        var m = NativeModule(":erl_eval")
        m.process("expr", 5) { context, args in
            guard let bindings = args[1].properList, args[4] == .atom("value") else { throw unsupported(args[0]) }
            var variables: [Atom: Term] = [:]
            for binding in bindings {
                guard case .tuple(let pair) = binding, pair.count == 2, case .atom(let name) = pair[0] else { throw unsupported(args[0]) }
                variables[name] = pair[1]
            }
            return try await evaluate(args[0], variables, context)
        }
        return m
    }()

    /// `element(1, Module:function(Args))` and the like, in Erlang's abstract format.
    static func call(_ module: Atom, _ function: Atom, _ arguments: [Term]) -> Term {
        .tuple([.atom("call"), .int(1), .tuple([.atom("remote"), .int(1), .tuple([.atom("atom"), .int(1), .atom(module)]),
                                                 .tuple([.atom("atom"), .int(1), .atom(function)])]), .list(arguments)])
    }

    static func variable(_ name: Atom) -> Term { .tuple([.atom("var"), .int(1), .atom(name)]) }

    static func integer(_ value: Int) -> Term { .tuple([.atom("integer"), .int(1), .int(value)]) }

    private static func evaluate(_ expression: Term, _ variables: [Atom: Term], _ context: CallContext) async throws -> Term {
        guard case .tuple(let parts) = expression, parts.count >= 3, case .atom(let kind) = parts[0] else { throw unsupported(expression) }
        switch (kind.text, parts.count) {
        case ("integer", 3), ("atom", 3):
            return parts[2]
        case ("var", 3):
            guard case .atom(let name) = parts[2], let value = variables[name] else { throw unsupported(expression) }
            return value
        case ("call", 4):
            guard case .tuple(let target) = parts[2], target.count == 4, target[0] == .atom("remote"),
                  case .atom(let module) = try await evaluate(target[2], variables, context),
                  case .atom(let function) = try await evaluate(target[3], variables, context),
                  let arguments = parts[3].properList else { throw unsupported(expression) }
            var values: [Term] = []
            for argument in arguments { values.append(try await evaluate(argument, variables, context)) }
            return try await context.interpreter.call(module, function, values, context)
        default:
            throw unsupported(expression)
        }
    }

    private static func unsupported(_ expression: Term) -> ElixirError {
        .argument("kvsh's :erl_eval.expr/5 runs only remote calls of variables and literals with the :value format, not \(expression.inspect())")
    }
}
