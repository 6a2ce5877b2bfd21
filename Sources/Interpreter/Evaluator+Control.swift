import ETF
import NodeRuntime

/// `receive`, `try`, `for` and `with`: the forms that catch, wait or iterate.
extension Interpreter {
    /// Selective receive: clause patterns are tried on each message in arrival order. Patterns and
    /// guards run inside the mailbox scan, so they must not wait (they never do: they only match).
    func evalReceive(_ keywords: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        let clauses = try (block(keywords, "do")?.properList ?? []).map(clause)
        var timeout = NodeRuntime.Process.Timeout.infinity
        var afterBody = Term.nil
        if let after = try block(keywords, "after")?.properList?.first {
            let c = try clause(after)
            var timeoutEnv = env
            switch try await eval(c.parameters.first ?? .nil, &timeoutEnv, context) {
            case .int(let ms) where ms >= 0: timeout = .milliseconds(ms)
            case .atom(.infinity): break
            case let other: throw ElixirError.argument("timeout value in receive must be a non-negative integer or :infinity, got: \(other.inspect())")
            }
            afterBody = c.body
        }
        let snapshot = env
        let matched: (Term, Env)? = try await context.process.receive(timeout: timeout) { message in
            for c in clauses {
                var attempt = snapshot
                if (try? self.match(c.parameters.first ?? .nil, message, &attempt)) == true, self.guardHolds(c.guardExpression, attempt) {
                    return (c.body, attempt)
                }
            }
            return nil
        }
        guard let (body, bound) = matched else { return try await eval(afterBody, &env, context) }
        var inner = bound
        return try await eval(body, &inner, context)
    }

    func evalTry(_ keywords: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        let outcome: Result<Term, any Error>
        do {
            outcome = .success(try await evalTryBody(keywords, &env, context))
        } catch {
            outcome = .failure(error)
        }
        if let after = try block(keywords, "after") {
            var afterEnv = env
            _ = try await eval(after, &afterEnv, context)
        }
        return try outcome.get()
    }

    private func evalTryBody(_ keywords: Term, _ env: inout Env, _ context: CallContext) async throws -> Term {
        let body = try block(keywords, "do") ?? .nil
        do {
            var inner = env
            let value = try await eval(body, &inner, context)
            if let elseClauses = try block(keywords, "else")?.properList {
                var elseEnv = env
                if let chosen = try await firstMatching(try elseClauses.map(clause), [value], &elseEnv, context) {
                    return try await eval(chosen, &elseEnv, context)
                }
                throw ElixirError.exception("TryClauseError", [("term", value)])
            }
            return value
        } catch let error as ElixirError {
            if error.kind == .error, let rescues = try block(keywords, "rescue")?.properList {
                for entry in rescues {
                    let c = try clause(entry)
                    var inner = env
                    if try await rescueMatches(c.parameters.first ?? .nil, error.value, &inner, context) {
                        return try await eval(c.body, &inner, context)
                    }
                }
            }
            if let catches = try block(keywords, "catch")?.properList {
                let kindAtom: Term = switch error.kind {
                case .error: .atom("error")
                case .exit: .atom("exit")
                case .throw: .atom("throw")
                }
                for entry in catches {
                    let c = try clause(entry)
                    var inner = env
                    let values = c.parameters.count == 2 ? [kindAtom, error.value] : [error.value]
                    if c.parameters.count == 1 && error.kind != .throw { continue }
                    if try matchAll(c.parameters, values, &inner), guardHolds(c.guardExpression, inner) {
                        return try await eval(c.body, &inner, context)
                    }
                }
            }
            throw error
        }
    }

    /// `rescue e in [RuntimeError]`, `rescue RuntimeError`, `rescue e`.
    private func rescueMatches(_ pattern: Term, _ exception: Term, _ env: inout Env, _ context: CallContext) async throws -> Bool {
        guard case .map(let map) = exception else { return false }
        let module = map[.atom("__struct__")] ?? .nil
        if case .tuple(let parts) = pattern, parts.count == 3, parts[0] == .atom("in"), let pieces = parts[2].properList, pieces.count == 2 {
            var aliasEnv = env
            let allowed = try await eval(pieces[1], &aliasEnv, context)
            let modules = allowed.properList ?? [allowed]
            guard modules.contains(module) else { return false }
            return try match(pieces[0], exception, &env)
        }
        if case .tuple(let parts) = pattern, parts.count == 3, parts[0] == .atom("__aliases__") {
            return .atom(aliasAtom(parts[2].properList ?? [])) == module
        }
        return try match(pattern, exception, &env)
    }

    func evalFor(_ args: [Term], _ env: inout Env, _ context: CallContext) async throws -> Term {
        guard let options = args.last, let body = try block(options, "do") else { throw ElixirError.compile("for expects a do block") }
        var results: [Term] = []
        try await comprehend(Array(args.dropLast()), body, env, &results, context)
        if let into = try block(options, "into") {
            var intoEnv = env
            if case .map(var map) = try await eval(into, &intoEnv, context) {
                for result in results {
                    if case .tuple(let pair) = result, pair.count == 2 { map[pair[0]] = pair[1] }
                }
                return .map(map)
            }
        }
        return .list(results)
    }

    private func comprehend(_ generators: [Term], _ body: Term, _ env: Env, _ results: inout [Term], _ context: CallContext) async throws {
        guard let first = generators.first else {
            var inner = env
            results.append(try await eval(body, &inner, context))
            return
        }
        let rest = Array(generators.dropFirst())
        if case .tuple(let arrow) = first, arrow.count == 3, arrow[0] == .atom("<-"), let pieces = arrow[2].properList, pieces.count == 2 {
            var sourceEnv = env
            let source = try await eval(pieces[1], &sourceEnv, context)
            for element in try await Enumerable.elements(source, context) {
                var inner = env
                if try match(pieces[0], element, &inner) {
                    try await comprehend(rest, body, inner, &results, context)
                }
            }
        } else {
            var filterEnv = env
            if try await eval(first, &filterEnv, context).isTruthy {
                try await comprehend(rest, body, env, &results, context)
            }
        }
    }

    func evalWith(_ args: [Term], _ env: inout Env, _ context: CallContext) async throws -> Term {
        guard let options = args.last, let body = try block(options, "do") else { throw ElixirError.compile("with expects a do block") }
        var inner = env
        for step in args.dropLast() {
            if case .tuple(let arrow) = step, arrow.count == 3, arrow[0] == .atom("<-"), let pieces = arrow[2].properList, pieces.count == 2 {
                let value = try await eval(pieces[1], &inner, context)
                var attempt = inner
                if try match(pieces[0], value, &attempt) {
                    inner = attempt
                    continue
                }
                guard let elseClauses = try block(options, "else")?.properList else { return value }
                var elseEnv = env
                if let chosen = try await firstMatching(try elseClauses.map(clause), [value], &elseEnv, context) {
                    return try await eval(chosen, &elseEnv, context)
                }
                throw ElixirError.withClause(value)
            }
            _ = try await eval(step, &inner, context)
        }
        return try await eval(body, &inner, context)
    }
}
