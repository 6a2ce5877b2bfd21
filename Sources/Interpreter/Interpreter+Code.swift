import ETF
import NodeRuntime

extension Interpreter {
    /// `Code.eval_quoted/2`: evaluates `quoted` with the variables of `binding` (a keyword list) and
    /// returns the value and the binding after it, as `{value, binding}`: variables the code bound
    /// come first, then the given ones in their order with their values now.
    public func evalQuoted(_ quoted: Term, binding: Term, _ context: CallContext) async throws -> Term {
        let given = try KeywordModule.pairs(binding).map { (try $0.0.atom().text, $0.1) }
        var env = Env(module: nil, variables: Dictionary(given, uniquingKeysWith: { _, last in last }))
        let value = try await eval(quoted, &env, context)
        let givenNames = Set(given.map(\.0))
        let added = env.variables.keys.filter { !givenNames.contains($0) && !$0.hasPrefix("_") }.sorted()
        var seen = Set<String>()
        let kept = given.compactMap { name, _ -> Term? in
            guard seen.insert(name).inserted, let value = env.variables[name] else { return nil }
            return .tuple([.atom(Atom(name)), value])
        }
        let bound = added.compactMap { name in env.variables[name].map { Term.tuple([.atom(Atom(name)), $0]) } }
        return .tuple([value, .list(bound + kept)])
    }
}

/// `Code`: evaluation of quoted expressions.
enum CodeModule {
    static let module: NativeModule = {
        var m = NativeModule("Code")
        m.process("eval_quoted", 1, 2, 3) { context, args in
            try await context.interpreter.evalQuoted(args[0], binding: args.count > 1 ? args[1] : .emptyList, context)
        }
        return m
    }()
}
