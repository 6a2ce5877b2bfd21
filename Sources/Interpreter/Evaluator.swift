import ETF
import NodeRuntime

/// Evaluation of Elixir's quoted form, straight from the terms `Code.string_to_quoted/1` gives.
extension Interpreter {
    func eval(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        switch quoted {
        case .atom, .int, .bigInteger, .float, .binary, .bitstring, .emptyList, .pid, .reference, .port, .fun, .map:
            return quoted
        case .cons:
            return try await evalList(quoted, &env, context)
        case .tuple(let parts) where parts.count == 2:
            return .tuple([try await eval(parts[0], &env, context), try await eval(parts[1], &env, context)])
        case .tuple(let parts) where parts.count == 3:
            return try await evalForm(parts[0], meta: parts[1], parts[2], &env, context)
        default:
            throw ElixirError.argument("invalid quoted expression: \(quoted.inspect())")
        }
    }

    private func evalList(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        var elements = quoted.properList ?? []
        var tail = Term.emptyList
        if case .tuple(let last)? = elements.last, last.count == 3, last[0] == .atom("|"), let pair = last[2].properList, pair.count == 2 {
            elements[elements.count - 1] = pair[0]
            tail = try await eval(pair[1], &env, context)
        }
        var values: [Term] = []
        values.reserveCapacity(elements.count)
        for element in elements { values.append(try await eval(element, &env, context)) }
        return .list(values, tail: tail)
    }

    // MARK: - Three-element forms: variables, special forms and calls

    private func evalForm(_ head: Term, meta: Term, _ argsTerm: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        if case .atom(let name) = head, case .atom = argsTerm {
            // `__MODULE__` parses as a variable would; it names the module whose code runs.
            if name.text == "__MODULE__" { return env.module.map(Term.atom) ?? .nil }
            return try variable(name.text, env)
        }
        let args = argsTerm.properList ?? []
        switch head {
        case .atom(let name):
            return try await evalLocal(name, args, &env, context)
        case .tuple(let dot) where dot.count == 3 && dot[0] == .atom("."):
            let target = dot[2].properList ?? []
            if target.count == 1 {
                let fun = try await eval(target[0], &env, context)
                return try await apply(fun, try await evalArguments(args, &env, context), context)
            }
            guard target.count == 2, case .atom(let function) = target[1] else { break }
            let receiver = try await eval(target[0], &env, context)
            if case .map(let map) = receiver, args.isEmpty, argsTerm == .emptyList || isNoParens(meta) {
                guard let value = map[.atom(function)] else { throw ElixirError.key(.atom(function), in: receiver) }
                return value
            }
            guard case .atom(let module) = receiver else {
                if case .map = receiver { throw ElixirError.key(.atom(function), in: receiver) }
                throw ElixirError.exception("UndefinedFunctionError", [
                    ("module", receiver), ("function", .atom(function)), ("arity", .int(args.count)), ("reason", .nil),
                ])
            }
            return try await call(module, function, try await evalArguments(args, &env, context), context)
        default:
            break
        }
        throw ElixirError.argument("invalid quoted expression")
    }

    private func isNoParens(_ meta: Term) -> Bool {
        guard let entries = meta.properList else { return false }
        return entries.contains(.tuple([.atom("no_parens"), .true]))
    }

    func variable(_ name: String, _ env: Env) throws -> Term {
        if let value = env.variables[name] { return value }
        throw ElixirError.compile("undefined function \(name)/0 (there is no such import)")
    }

    private func evalLocal(_ name: Atom, _ args: [Term], _ env: inout Env, _ context: CallContext) async throws -> Term {
        switch name.text {
        case "__block__":
            var result = Term.nil
            for expression in args { result = try await eval(expression, &env, context) }
            return result
        case "__aliases__":
            return .atom(aliasAtom(args))
        case "__MODULE__":
            return env.module.map(Term.atom) ?? .nil
        case "=" where args.count == 2:
            let value = try await eval(args[1], &env, context)
            guard try match(args[0], value, &env) else { throw ElixirError.match(value) }
            return value
        case "{}":
            return .tuple(try await evalArguments(args, &env, context))
        case "%{}":
            return try await evalMap(args, &env, context)
        case "%" where args.count == 2:
            return try await evalStruct(args[0], args[1], &env, context)
        case "<<>>":
            return try await evalBinary(args, &env, context)
        case "fn":
            let clauses = try args.map(clause)
            let quoted = Term.tuple([.atom("fn"), .emptyList, .list(args)])
            return .fun(Fun(.closure(Closure(clauses: clauses, env: env, arity: clauses.first?.parameters.count ?? 0, quoted: quoted))))
        case "case" where args.count == 2:
            let subject = try await eval(args[0], &env, context)
            guard let clauses = try block(args[1], "do")?.properList.map({ try $0.map(clause) }) else { break }
            var inner = env
            if let body = try await firstMatching(clauses, [subject], &inner, context) {
                return try await eval(body, &inner, context)
            }
            throw ElixirError.caseClause(subject)
        case "cond" where args.count == 1:
            for entry in try block(args[0], "do")?.properList ?? [] {
                let c = try clause(entry)
                var inner = env
                if try await eval(c.parameters.first ?? .nil, &inner, context).isTruthy { return try await eval(c.body, &inner, context) }
            }
            throw ElixirError.condClause()
        case "if", "unless":
            guard args.count == 2 else { break }
            var truth = try await eval(args[0], &env, context).isTruthy
            if name.text == "unless" { truth.toggle() }
            var inner = env
            return try await eval(try block(args[1], truth ? "do" : "else") ?? .nil, &inner, context)
        case "receive":
            return try await evalReceive(args.first ?? .emptyList, &env, context)
        case "try":
            return try await evalTry(args.first ?? .emptyList, &env, context)
        case "&&", "||", "and", "or":
            guard args.count == 2 else { break }
            let left = try await eval(args[0], &env, context)
            let strict = name.text == "and" || name.text == "or"
            if strict, left != .true, left != .false { throw ElixirError.badBoolean(left, name.text) }
            let takeLeft = (name.text == "&&" || name.text == "and") ? !left.isTruthy : left.isTruthy
            return takeLeft ? left : try await eval(args[1], &env, context)
        case "|>" where args.count == 2:
            return try await eval(pipe(args[0], into: args[1]), &env, context)
        case "&" where args.count == 1:
            return try capture(args[0], env)
        case "^":
            throw ElixirError.compile("misplaced operator ^/1")
        case "defmodule" where args.count == 2:
            return try defineModule(args[0], args[1], env)
        case "raise":
            throw try await raise(try await evalArguments(args, &env, context))
        case "for":
            return try await evalFor(args, &env, context)
        case "with":
            return try await evalWith(args, &env, context)
        case "import", "alias", "require":
            return .atom(Atom("ok"))
        case "h" where args.count == 1 && !definesLocally(name, arity: 1, env):
            return try await help(args[0], &env, context)
        default:
            break
        }
        let values = try await evalArguments(args, &env, context)
        if let module = env.module, let user = userModule(module), user.functions[FunctionKey(name, values.count)] != nil {
            let definition = user.functions[FunctionKey(name, values.count)]!
            return try await invoke(definition.clauses, values, module: module, name: name, captured: Env(module: module), context)
        }
        if native(Atom("Elixir.Kernel"), FunctionKey(name, values.count)) != nil {
            return try await call(Atom("Elixir.Kernel"), name, values, context)
        }
        if native(Atom("Elixir.IEx.Helpers"), FunctionKey(name, values.count)) != nil {
            return try await call(Atom("Elixir.IEx.Helpers"), name, values, context)
        }
        throw ElixirError.compile("undefined function \(name.text)/\(values.count) (there is no such import)")
    }

    /// True when the module whose code runs defines `name/arity`, which then wins over the shell's helpers.
    private func definesLocally(_ name: Atom, arity: Int, _ env: Env) -> Bool {
        guard let module = env.module, let user = userModule(module) else { return false }
        return user.functions[FunctionKey(name, arity)] != nil
    }

    func aliasAtom(_ parts: [Term]) -> Atom {
        Atom("Elixir." + parts.compactMap { $0.atomValue?.text }.joined(separator: "."))
    }

    /// `x |> f(a)` is `f(x, a)`.
    private func pipe(_ value: Term, into call: Term) throws -> Term {
        guard case .tuple(let parts) = call, parts.count == 3 else { throw ElixirError.argument("cannot pipe into \(call.inspect())") }
        let args = parts[2].properList ?? []
        return .tuple([parts[0], parts[1], .list([value] + args)])
    }

    /// The value of `key:` in a `do`/`else` keyword block.
    func block(_ keywords: Term, _ key: String) throws -> Term? {
        for entry in keywords.properList ?? [] {
            if case .tuple(let pair) = entry, pair.count == 2, pair[0] == .atom(key) { return pair[1] }
        }
        return nil
    }

    /// A `->` clause: `{:->, meta, [params, body]}`, its params possibly wrapped in `when`.
    func clause(_ quoted: Term) throws -> Clause {
        guard case .tuple(let parts) = quoted, parts.count == 3, parts[0] == .atom("->"),
              let pair = parts[2].properList, pair.count == 2 else {
            throw ElixirError.compile("expected -> clauses")
        }
        var parameters = pair[0].properList ?? []
        var guardExpression: Term?
        if parameters.count == 1, case .tuple(let when) = parameters[0], when.count == 3, when[0] == .atom("when"),
           var whenArgs = when[2].properList, !whenArgs.isEmpty {
            guardExpression = whenArgs.removeLast()
            parameters = whenArgs
        }
        return Clause(parameters: parameters, guardExpression: guardExpression, body: pair[1])
    }

    /// The body of the first clause matching `values`, with its bindings added to `env`.
    func firstMatching(_ clauses: [Clause], _ values: [Term], _ env: inout Env, _ context: CallContext) async throws -> Term? {
        for c in clauses {
            var attempt = env
            if try matchAll(c.parameters, values, &attempt), guardHolds(c.guardExpression, attempt) {
                env = attempt
                return c.body
            }
        }
        return nil
    }

    /// A guard holds when it evaluates to `true`; an error inside a guard just fails it.
    func guardHolds(_ guardExpression: Term?, _ env: Env) -> Bool {
        guard let guardExpression else { return true }
        return (try? evalGuard(guardExpression, env)) == .true
    }

    /// Guards are pure: variables, literals, and guard-safe (pure) Kernel functions.
    private func evalGuard(_ quoted: Term, _ env: Env) throws -> Term {
        switch quoted {
        case .cons:
            return .list(try (quoted.properList ?? []).map { try evalGuard($0, env) })
        case .tuple(let parts) where parts.count == 2:
            return .tuple([try evalGuard(parts[0], env), try evalGuard(parts[1], env)])
        case .tuple(let parts) where parts.count == 3:
            guard case .atom(let name) = parts[0] else { break }
            if case .atom = parts[2] { return try variable(name.text, env) }
            let args = parts[2].properList ?? []
            switch name.text {
            case "and", "&&": return try evalGuard(args[0], env) == .true ? try evalGuard(args[1], env) : .false
            case "or", "||": return try evalGuard(args[0], env) == .true ? .true : try evalGuard(args[1], env)
            case "{}": return .tuple(try args.map { try evalGuard($0, env) })
            case "__aliases__": return .atom(aliasAtom(args))
            default:
                guard case .pure(let body)? = native(Atom("Elixir.Kernel"), FunctionKey(name, args.count)) else { break }
                return try body(try args.map { try evalGuard($0, env) })
            }
        case .tuple:
            break
        default:
            return quoted
        }
        throw ElixirError.compile("invalid expression in guard: \(quoted.inspect())")
    }

    // MARK: - Data

    private func evalMap(_ args: [Term], _ env: inout Env, _ context: CallContext) async throws -> Term {
        if args.count == 1, case .tuple(let bar) = args[0], bar.count == 3, bar[0] == .atom("|"), let parts = bar[2].properList, parts.count == 2 {
            let base = try await eval(parts[0], &env, context)
            guard case .map(var map) = base else { throw ElixirError.badMap(base) }
            for (key, value) in try await pairs(parts[1], &env, context) {
                guard map[key] != nil else { throw ElixirError.key(key, in: base) }
                map[key] = value
            }
            return .map(map)
        }
        var map = TermMap()
        for (key, value) in try await pairs(.list(args), &env, context) { map[key] = value }
        return .map(map)
    }

    private func pairs(_ quoted: Term, _ env: inout Env, _ context: CallContext) async throws -> [(Term, Term)] {
        var result: [(Term, Term)] = []
        for entry in quoted.properList ?? [] {
            guard case .tuple(let pair) = entry, pair.count == 2 else { continue }
            result.append((try await eval(pair[0], &env, context), try await eval(pair[1], &env, context)))
        }
        return result
    }

    private func evalStruct(_ aliasTerm: Term, _ body: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        let module = try await eval(aliasTerm, &env, context)
        guard case .map(var map) = try await eval(body, &env, context) else { throw ElixirError.badMap(body) }
        map[.atom("__struct__")] = module
        return .map(map)
    }

    private func evalBinary(_ parts: [Term], _ env: inout Env, _ context: CallContext) async throws -> Term {
        var bytes: [UInt8] = []
        for part in parts {
            var expression = part
            var type = "integer"
            var size: Int?
            if case .tuple(let spec) = part, spec.count == 3, spec[0] == .atom("::"), let pieces = spec[2].properList, pieces.count == 2 {
                expression = pieces[0]
                (type, size) = binarySpec(pieces[1])
            }
            let value = try await eval(expression, &env, context)
            switch value {
            case .binary(let more) where type == "binary" || type == "integer" && size == nil:
                bytes += more
            case .int(let n) where type == "integer" || type == "utf8":
                if type == "utf8", let scalar = Unicode.Scalar(UInt32(truncatingIfNeeded: n)) {
                    bytes += Array(String(Character(scalar)).utf8)
                } else {
                    let bits = size ?? 8
                    for shift in stride(from: bits - 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: n >> shift)) }
                }
            default:
                throw ElixirError.argument("construction of binary failed: segment \(value.inspect()) is not a \(type)")
            }
        }
        return .binary(bytes)
    }

    func binarySpec(_ spec: Term) -> (String, Int?) {
        switch spec {
        case .int(let n): return ("integer", n)
        case .tuple(let parts) where parts.count == 3:
            if case .atom(let name) = parts[0] {
                if name.text == "size", let n = parts[2].properList?.first, case .int(let bits) = n { return ("integer", bits) }
                if name.text == "-", let pieces = parts[2].properList, pieces.count == 2 {
                    let (left, leftSize) = binarySpec(pieces[0])
                    let (right, rightSize) = binarySpec(pieces[1])
                    return (left == "integer" ? right : left, leftSize ?? rightSize)
                }
                return (name.text == "bytes" || name.text == "bitstring" ? "binary" : name.text, nil)
            }
        default: break
        }
        return ("integer", nil)
    }

    // MARK: - Functions

    private func capture(_ quoted: Term, _ env: Env) throws -> Term {
        if case .tuple(let slash) = quoted, slash.count == 3, slash[0] == .atom("/"), let parts = slash[2].properList, parts.count == 2,
           case .int(let arity) = parts[1], case .tuple(let call) = parts[0], call.count == 3 {
            if case .tuple(let dot) = call[0], dot.count == 3, dot[0] == .atom("."), let target = dot[2].properList, target.count == 2,
               case .atom(let function) = target[1] {
                var module: Atom?
                if case .atom(let m) = target[0] { module = m }
                if case .tuple(let alias) = target[0], alias.count == 3, alias[0] == .atom("__aliases__") {
                    module = aliasAtom(alias[2].properList ?? [])
                }
                if let module { return .fun(Fun(.export(module: module, function: function, arity: arity))) }
            }
            if case .atom(let function) = call[0] {
                let module = env.module ?? Atom("Elixir.Kernel")
                return .fun(Fun(.export(module: module, function: function, arity: arity)))
            }
        }
        // `&(&1 + 1)`: a fn whose parameters are the highest `&N` used.
        let arity = highestCaptureArgument(quoted)
        let parameters = (1...max(arity, 1)).prefix(arity).map { Term.tuple([.atom("&\($0)"), .emptyList, .nil]) }
        let body = replacingCaptureArguments(quoted)
        let c = Clause(parameters: parameters, guardExpression: nil, body: body)
        let original = Term.tuple([.atom("&"), .emptyList, .list([quoted])])
        return .fun(Fun(.closure(Closure(clauses: [c], env: env, arity: arity, quoted: original))))
    }

    private func highestCaptureArgument(_ term: Term) -> Int {
        switch term {
        case .tuple(let parts):
            if parts.count == 3, parts[0] == .atom("&"), case .int(let n)? = parts[2].properList?.first { return n }
            return parts.map(highestCaptureArgument).max() ?? 0
        case .cons:
            return (term.listParts?.elements ?? []).map(highestCaptureArgument).max() ?? 0
        default: return 0
        }
    }

    private func replacingCaptureArguments(_ term: Term) -> Term {
        switch term {
        case .tuple(let parts):
            if parts.count == 3, parts[0] == .atom("&"), case .int(let n)? = parts[2].properList?.first {
                return .tuple([.atom("&\(n)"), .emptyList, .nil])
            }
            return .tuple(parts.map(replacingCaptureArguments))
        case .cons:
            guard let (elements, tail) = term.listParts else { return term }
            return .list(elements.map(replacingCaptureArguments), tail: replacingCaptureArguments(tail))
        default: return term
        }
    }

    private func defineModule(_ aliasTerm: Term, _ body: Term, _ env: Env) throws -> Term {
        guard case .tuple(let alias) = aliasTerm, alias.count == 3, alias[0] == .atom("__aliases__") else {
            throw ElixirError.argument("invalid module name")
        }
        let name = aliasAtom(alias[2].properList ?? [])
        var definitions: [FunctionKey: UserModule.Definition] = [:]
        let inner = try block(body, "do") ?? .nil
        var forms: [Term] = [inner]
        if case .tuple(let parts) = inner, parts.count == 3, parts[0] == .atom("__block__") { forms = parts[2].properList ?? [] }
        for form in forms {
            guard case .tuple(let def) = form, def.count == 3, case .atom(let kind) = def[0], kind.text == "def" || kind.text == "defp",
                  let defArgs = def[2].properList, !defArgs.isEmpty else { continue }
            var head = defArgs[0]
            var guardExpression: Term?
            if case .tuple(let when) = head, when.count == 3, when[0] == .atom("when"), let parts = when[2].properList, parts.count == 2 {
                head = parts[0]
                guardExpression = parts[1]
            }
            guard case .tuple(let call) = head, call.count == 3, case .atom(let fname) = call[0] else { continue }
            let parameters = call[2].properList ?? []
            let bodyTerm = defArgs.count > 1 ? (try block(defArgs[1], "do") ?? .nil) : .nil
            // Default arguments: `def f(a, b \\ 1)` also defines f/1 calling f/2.
            var plain: [Term] = []
            var defaults: [(index: Int, value: Term)] = []
            for (index, parameter) in parameters.enumerated() {
                if case .tuple(let d) = parameter, d.count == 3, d[0] == .atom("\\\\"), let pieces = d[2].properList, pieces.count == 2 {
                    plain.append(pieces[0])
                    defaults.append((index, pieces[1]))
                } else {
                    plain.append(parameter)
                }
            }
            let key = FunctionKey(fname, plain.count)
            var definition = definitions[key] ?? UserModule.Definition(clauses: [], isPublic: kind.text == "def")
            definition.clauses.append(Clause(parameters: plain, guardExpression: guardExpression, body: bodyTerm))
            definitions[key] = definition
            for dropped in 1...max(defaults.count, 1) where !defaults.isEmpty && dropped <= defaults.count {
                let omitted = Set(defaults.suffix(dropped).map(\.index))
                let names = plain.indices.filter { !omitted.contains($0) }.map { Term.tuple([.atom("arg\($0)"), .emptyList, .nil]) }
                var callArgs: [Term] = []
                var next = 0
                for index in plain.indices {
                    if omitted.contains(index) {
                        callArgs.append(defaults.first { $0.index == index }!.value)
                    } else {
                        callArgs.append(names[next])
                        next += 1
                    }
                }
                let forward = Term.tuple([.atom(fname), .emptyList, .list(callArgs)])
                let shortKey = FunctionKey(fname, names.count)
                if definitions[shortKey] == nil {
                    definitions[shortKey] = UserModule.Definition(
                        clauses: [Clause(parameters: names, guardExpression: nil, body: forward)], isPublic: kind.text == "def")
                }
            }
        }
        define(UserModule(name: name, functions: definitions))
        let last = definitions.keys.max { ($0.name.text, $0.arity) < ($1.name.text, $1.arity) }
        return .tuple([.atom("module"), .atom(name), .binary([]), last.map { .tuple([.atom($0.name), .int($0.arity)]) } ?? .nil])
    }

    private func raise(_ args: [Term]) async throws -> ElixirError {
        switch args.first {
        case .binary?:
            return .runtime(args[0].stringValue ?? "")
        case .atom(let module)? where module.text.hasPrefix("Elixir."):
            var fields: [(String, Term)] = []
            if args.count > 1 {
                if let text = args[1].stringValue { fields.append(("message", .string(text))) }
                for entry in args[1].properList ?? [] {
                    if case .tuple(let kv) = entry, kv.count == 2, case .atom(let key) = kv[0] { fields.append((key.text, kv[1])) }
                }
            }
            if !fields.contains(where: { $0.0 == "message" }) && module.text.hasSuffix("Error") && args.count == 1 {
                fields.append(("message", .string(defaultMessage(module))))
            }
            return .exception(String(module.text.dropFirst(7)), fields)
        case let value?:
            return .normalized(value)
        case nil:
            return .runtime("")
        }
    }

    private func defaultMessage(_ module: Atom) -> String {
        switch module.text {
        case "Elixir.ArgumentError": "argument error"
        case "Elixir.RuntimeError": "runtime error"
        default: "got \(Term.atom(module).inspect()) with message nil"
        }
    }
}
