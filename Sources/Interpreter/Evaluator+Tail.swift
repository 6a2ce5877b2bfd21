import ETF
import NodeRuntime

/// Evaluation in tail position: the last expression of a function body, through blocks and the
/// branches of `case`, `if`, `unless` and `cond`. A call there to an interpreted function is
/// returned, not made, so `Interpreter.invoke` can loop instead of nesting.
extension Interpreter {
    func evalTail(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> TailOutcome {
        guard case .tuple(let parts) = quoted, parts.count == 3, case .cons = parts[2] else {
            return .value(try await eval(quoted, &env, context))
        }
        let args = parts[2].properList ?? []
        switch parts[0] {
        case .atom(let name):
            switch name.text {
            case "__block__" where !args.isEmpty:
                for expression in args.dropLast() { _ = try await eval(expression, &env, context) }
                return try await evalTail(args[args.count - 1], &env, context)
            case "case" where args.count == 2:
                let subject = try await eval(args[0], &env, context)
                guard let clauses = try block(args[1], "do")?.properList.map({ try $0.map(clause) }) else { break }
                var inner = env
                guard let body = try await firstMatching(clauses, [subject], &inner, context) else { throw ElixirError.caseClause(subject) }
                return try await evalTail(body, &inner, context)
            case "if", "unless":
                guard args.count == 2 else { break }
                var truth = try await eval(args[0], &env, context).isTruthy
                if name.text == "unless" { truth.toggle() }
                var inner = env
                return try await evalTail(try block(args[1], truth ? "do" : "else") ?? .nil, &inner, context)
            default:
                if let module = env.module, let user = userModule(module),
                   let definition = user.functions[FunctionKey(name, args.count)], !isSpecialForm(name) {
                    let values = try await evalArguments(args, &env, context)
                    return .call(TailCall(clauses: definition.clauses, args: values, module: module, name: name, captured: Env(module: module)))
                }
            }
        case .tuple(let dot) where dot.count == 3 && dot[0] == .atom("."):
            let target = dot[2].properList ?? []
            if target.count == 1 {
                let fun = try await eval(target[0], &env, context)
                let values = try await evalArguments(args, &env, context)
                if case .fun(let value) = fun, case .closure(let closure as Closure) = value.kind, closure.arity == values.count {
                    return .call(TailCall(clauses: closure.clauses, args: values, module: nil, name: nil, captured: closure.env))
                }
                return .value(try await apply(fun, values, context))
            }
            if target.count == 2, case .atom(let function) = target[1] {
                var moduleEnv = env
                let receiver = try await eval(target[0], &moduleEnv, context)
                if case .atom(let module) = receiver, let user = userModule(module),
                   let definition = user.functions[FunctionKey(function, args.count)], definition.isPublic {
                    let values = try await evalArguments(args, &env, context)
                    return .call(TailCall(clauses: definition.clauses, args: values, module: module, name: function, captured: Env(module: module)))
                }
            }
        default:
            break
        }
        return .value(try await eval(quoted, &env, context))
    }

    func evalArguments(_ args: [Term], _ env: inout Env, _ context: CallContext) async throws -> [Term] {
        var values: [Term] = []
        values.reserveCapacity(args.count)
        for arg in args { values.append(try await eval(arg, &env, context)) }
        return values
    }

    private func isSpecialForm(_ name: Atom) -> Bool {
        ["=", "{}", "%{}", "%", "<<>>", "fn", "case", "cond", "if", "unless", "receive", "try", "&&", "||", "and", "or",
         "|>", "&", "^", "defmodule", "raise", "for", "with", "__block__", "__aliases__"].contains(name.text)
    }
}
