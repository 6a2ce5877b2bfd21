import ETF

/// `h Mod`, `h Mod.fun`, `h Mod.fun/arity`: iex's `h` is a macro, so its argument arrives quoted
/// and a call in it is read as a name, not made. Only the module part is evaluated, as iex
/// does (`m = Enum; h m.map/2` works).
extension Interpreter {
    func help(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        let text: String
        if let request = try await helpRequest(quoted, &env, context) {
            text = Documentation.help(request, kind: moduleKind)
        } else {
            let value = try await eval(quoted, &env, context)
            if case .atom(let module) = value {
                text = Documentation.help(.module(module), kind: moduleKind)
            } else {
                text = "The \"h\" helper expects a Module, Module.fun or Module.fun/arity, got: \(value.inspect())\n"
                    + "If instead of accessing documentation you would like more information about a value or about "
                    + "the result of an expression, use the \"i\" helper instead\n"
            }
        }
        _ = try await IOModule.write(Array(text.utf8), context)
        return IExHelpers.dontDisplayResult
    }

    /// The request a quoted `fun/arity`, `Mod.fun/arity`, `Mod.fun` or bare `fun` names
    /// (bare names are `Kernel`'s, as iex resolves imports), or `nil` for anything else.
    private func helpRequest(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> Documentation.Request? {
        guard case .tuple(let parts) = quoted, parts.count == 3 else { return nil }
        if parts[0] == .atom("/"), let operands = parts[2].properList, operands.count == 2, case .int(let arity) = operands[1],
           let (module, name) = try await helpTarget(operands[0], &env, context) {
            return .function(module, name, arity: arity)
        }
        if let (module, name) = try await helpTarget(quoted, &env, context) {
            return .function(module, name, arity: nil)
        }
        return nil
    }

    /// `Mod.fun` with no arguments, or a bare name (the quoted form of a variable).
    private func helpTarget(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> (Atom, Atom)? {
        guard case .tuple(let parts) = quoted, parts.count == 3 else { return nil }
        if case .atom(let name) = parts[0], case .atom = parts[2] {
            return (Atom("Elixir.Kernel"), name)
        }
        guard case .tuple(let dot) = parts[0], dot.count == 3, dot[0] == .atom("."), parts[2] == .emptyList,
              let target = dot[2].properList, target.count == 2, case .atom(let name) = target[1] else { return nil }
        guard case .atom(let module) = try await eval(target[0], &env, context) else { return nil }
        return (module, name)
    }

    /// What `h` may say about `module`: its functions when native, nothing when defined at the prompt.
    func moduleKind(_ module: Atom) -> Documentation.ModuleKind {
        if userModule(module) != nil { return .defined }
        guard let functions = nativeFunctions(module) else { return .missing }
        return .native(functions)
    }
}
