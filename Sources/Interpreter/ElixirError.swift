import ETF
import NodeRuntime

/// What `raise`, `throw` and `exit` unwind with: Elixir's three kinds of failure, as the BEAM has them.
///
/// `.error` carries an exception struct (`%RuntimeError{message: "boom"}`): Erlang-style error terms
/// such as `:badarg` are normalised into exceptions when raised, as Elixir's `Exception.normalize/3` does.
public struct ElixirError: Error, Sendable {
    public enum Kind: Sendable, Equatable { case error, exit, `throw` }

    public var kind: Kind
    public var value: Term
    /// The call that failed, as iex shows it under the error line (`Hello.world()`), when known.
    public var failedCall: String?
    /// The BEAM's own reason when it is not the exception: `:undef` or `{:badfun, fun}` for a
    /// fun of another node that this one cannot run (`foreignFun`).
    public var erlangReason: Term?
    /// The top of the BEAM's stack for `erlangReason`: `{fun, args, []}` for `:undef`.
    public var erlangStack: [Term] = []

    public init(kind: Kind, value: Term, failedCall: String? = nil) {
        self.kind = kind
        self.value = value
        self.failedCall = failedCall
    }

    /// An exception struct of `module` (`"RuntimeError"`) with the given fields.
    public static func exception(_ module: String, _ fields: [(String, Term)]) -> ElixirError {
        var pairs: [(Term, Term)] = [(.atom("__struct__"), .atom("Elixir." + module)), (.atom("__exception__"), .true)]
        pairs += fields.map { (.atom($0.0), $0.1) }
        return ElixirError(kind: .error, value: .map(pairs))
    }

    public static func runtime(_ message: String) -> ElixirError {
        exception("RuntimeError", [("message", .string(message))])
    }

    public static func argument(_ message: String = "argument error") -> ElixirError {
        exception("ArgumentError", [("message", .string(message))])
    }

    public static func arithmetic(_ message: String = "bad argument in arithmetic expression") -> ElixirError {
        exception("ArithmeticError", [("message", .string(message))])
    }

    public static func match(_ term: Term) -> ElixirError { exception("MatchError", [("term", term)]) }
    public static func caseClause(_ term: Term) -> ElixirError { exception("CaseClauseError", [("term", term)]) }
    public static func condClause() -> ElixirError { exception("CondClauseError", []) }
    public static func withClause(_ term: Term) -> ElixirError { exception("WithClauseError", [("term", term)]) }
    public static func badMap(_ term: Term) -> ElixirError { exception("BadMapError", [("term", term)]) }
    public static func badFunction(_ term: Term) -> ElixirError { exception("BadFunctionError", [("term", term)]) }
    public static func badBoolean(_ term: Term, _ op: String) -> ElixirError {
        exception("BadBooleanError", [("term", term), ("operator", .atom(op))])
    }

    public static func key(_ key: Term, in term: Term) -> ElixirError {
        exception("KeyError", [("key", key), ("term", term), ("message", .nil)])
    }

    public static func badArity(_ fun: Term, _ args: [Term]) -> ElixirError {
        exception("BadArityError", [("function", fun), ("args", .list(args))])
    }

    public static func functionClause(_ module: Atom, _ function: Atom, arity: Int) -> ElixirError {
        exception("FunctionClauseError", [("module", .atom(module)), ("function", .atom(function)), ("arity", .int(arity))])
    }

    /// `reason` is nil for a missing function in a module that exists, else the module's absence.
    public static func undefinedFunction(_ module: Atom, _ function: Atom, arity: Int, moduleMissing: Bool) -> ElixirError {
        exception("UndefinedFunctionError", [
            ("module", .atom(module)), ("function", .atom(function)), ("arity", .int(arity)),
            ("reason", moduleMissing ? .atom("module_not_available") : .nil),
        ])
    }

    /// A fun made on a BEAM node, which kvsh cannot run. The BEAM, given a fun whose module it
    /// does not have, raises `:undef` with `{fun, args, []}` on top of the stack, which Elixir
    /// shows as a bare `UndefinedFunctionError`; given one whose module it has in another
    /// version, `{:badfun, fun}`, a `BadFunctionError`.
    public static func foreignFun(_ fun: Term, _ args: [Term], moduleLoaded: Bool) -> ElixirError {
        guard !moduleLoaded else {
            var error = badFunction(fun)
            error.erlangReason = .tuple([.atom("badfun"), fun])
            return error
        }
        var error = exception("UndefinedFunctionError", ["module", "function", "arity", "reason", "message"].map { ($0, .nil) })
        error.erlangReason = .atom("undef")
        error.erlangStack = [.tuple([fun, .list(args), .emptyList])]
        error.failedCall = fun.inspect() + "(" + args.map { $0.inspect() }.joined(separator: ", ") + ")"
        return error
    }

    public static func compile(_ message: String) -> ElixirError {
        exception("CompileError", [("description", .string(message)), ("file", .string("iex")), ("line", .int(1))])
    }

    public static func exit(_ reason: Term) -> ElixirError { ElixirError(kind: .exit, value: reason) }
    public static func `throw`(_ value: Term) -> ElixirError { ElixirError(kind: .throw, value: value) }

    /// `raise` of a non-exception term: Erlang error terms become Elixir's exceptions.
    public static func normalized(_ reason: Term) -> ElixirError {
        if isException(reason) { return ElixirError(kind: .error, value: reason) }
        switch reason {
        case .atom(Atom("badarg")): return argument()
        case .atom(Atom("badarith")): return arithmetic()
        case .tuple(let parts) where parts.count == 2 && parts[0] == .atom("badmatch"): return match(parts[1])
        case .tuple(let parts) where parts.count == 2 && parts[0] == .atom("case_clause"): return caseClause(parts[1])
        case .tuple(let parts) where parts.count == 2 && parts[0] == .atom("badmap"): return badMap(parts[1])
        case .tuple(let parts) where parts.count == 2 && parts[0] == .atom("badkey"): return key(parts[1], in: .nil)
        case .tuple(let parts) where parts.count == 2 && parts[0] == .atom("badfun"): return badFunction(parts[1])
        default: return exception("ErlangError", [("original", reason)])
        }
    }

    static func isException(_ term: Term) -> Bool {
        guard case .map(let map) = term else { return false }
        return map[.atom("__exception__")] == .true
    }
}

// MARK: - How iex shows it

extension ElixirError {
    /// The module name of the exception, as iex prints it (`RuntimeError`).
    public var exceptionName: String {
        guard case .map(let map) = value, case .atom(let module)? = map[.atom("__struct__")] else { return "ErlangError" }
        let text = module.text
        return text.hasPrefix("Elixir.") ? String(text.dropFirst(7)) : text
    }

    /// `Exception.message/1` for the exceptions kvsh raises.
    public func message(_ options: InspectOptions = InspectOptions()) -> String {
        guard case .map(let map) = value else { return value.inspect(options) }
        func field(_ name: String) -> Term { map[.atom(name)] ?? .nil }
        func show(_ term: Term) -> String { term.inspect(options) }
        func name(_ atom: Term) -> String {
            guard case .atom(let a) = atom else { return show(atom) }
            return a.text.hasPrefix("Elixir.") ? String(a.text.dropFirst(7)) : show(atom)
        }
        if case .binary = field("message"), let text = field("message").stringValue { return text }
        switch exceptionName {
        case "MatchError": return "no match of right hand side value: " + show(field("term"))
        case "CaseClauseError": return "no case clause matching: " + show(field("term"))
        case "WithClauseError": return "no with clause matching: " + show(field("term"))
        case "CondClauseError": return "no cond clause evaluated to a truthy value"
        case "BadMapError": return "expected a map, got: " + show(field("term"))
        case "BadFunctionError": return "expected a function, got: " + show(field("term"))
        case "BadBooleanError":
            return "expected a boolean on left-side of \"\(field("operator").atomValue?.text ?? "")\", got: " + show(field("term"))
        case "KeyError":
            let term = field("term")
            return term == .nil ? "key \(show(field("key"))) not found" : "key \(show(field("key"))) not found in: \(show(term))"
        case "BadArityError":
            let args = field("args").properList ?? []
            let count = args.count
            return "\(show(field("function"))) with arity \(arityOf(field("function"))) called with "
                + (count == 0 ? "no arguments" : "\(count) argument\(count == 1 ? "" : "s") (\(args.map(show).joined(separator: ", ")))")
        case "FunctionClauseError":
            return "no function clause matching in \(name(field("module"))).\(field("function").atomValue?.text ?? "")/\(show(field("arity")))"
        case "UndefinedFunctionError":
            // Elixir's exception for an `:undef` whose stack top is not a call (a fun's).
            if field("module") == .nil { return "undefined function" }
            let call = "\(name(field("module"))).\(field("function").atomValue?.text ?? "")/\(show(field("arity")))"
            if field("reason") == .atom("module_not_available") {
                return "function \(call) is undefined (module \(name(field("module"))) is not available)"
            }
            return "function \(call) is undefined or private"
        case "CompileError": return "iex:\(show(field("line"))): " + (field("description").stringValue ?? "")
        case "ErlangError": return "Erlang error: " + show(field("original"))
        default: return show(value)
        }
    }

    private func arityOf(_ fun: Term) -> Int {
        if case .fun(let f) = fun { return f.arity }
        return 0
    }

    /// The lines iex prints: `** (RuntimeError) boom`, `** (exit) :bar`, `** (throw) :foo`, and
    /// under them the failed call where kvsh knows it (`    Hello.world()`).
    public func iexDescription(_ options: InspectOptions = InspectOptions()) -> String {
        let line = switch kind {
        case .error: "** (\(exceptionName)) \(message(options))"
        case .exit: "** (exit) \(ExitFormat.describe(value, options))"
        case .throw: "** (throw) \(value.inspect(options))"
        }
        return failedCall.map { line + "\n    " + $0 } ?? line
    }

    /// `Mod.fun(arg, ...)` as iex's stacktrace shows a call.
    static func describeCall(_ module: Atom, _ function: Atom, _ args: [Term]) -> String {
        let name = module.text.hasPrefix("Elixir.") ? String(module.text.dropFirst(7)) : Term.atom(module).inspect()
        return "\(name).\(function.text)(\(args.map { $0.inspect() }.joined(separator: ", ")))"
    }
}

// MARK: - A process that dies of it

extension ElixirError: ExitReasonProviding {
    /// The exit reason the BEAM gives such a process: `{exception, stacktrace}` for an error,
    /// `{{:nocatch, value}, stacktrace}` for an uncaught throw, the reason itself for an exit.
    public var exitReason: Term {
        switch kind {
        case .error: .tuple([erlangReason ?? value, .list(erlangStack)])
        case .throw: .tuple([.tuple([.atom("nocatch"), value]), .emptyList])
        case .exit: value
        }
    }

    public var crashReport: String? {
        switch kind {
        case .exit: nil
        case .error, .throw: iexDescription()
        }
    }
}
