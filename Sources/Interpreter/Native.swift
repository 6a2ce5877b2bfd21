import ETF
import NodeRuntime

/// A function name and arity: how modules index their functions.
public struct FunctionKey: Hashable, Sendable {
    public let name: Atom
    public let arity: Int
    public init(_ name: Atom, _ arity: Int) {
        self.name = name
        self.arity = arity
    }
}

/// What native (Swift) code is given when it runs on behalf of a process.
public struct CallContext: Sendable {
    public let process: NodeRuntime.Process
    public let interpreter: Interpreter
    /// How many interpreted calls are in progress below this one (body recursion depth).
    public var depth = 0
    public var node: LocalNode { process.node }

    public init(process: NodeRuntime.Process, interpreter: Interpreter) {
        self.process = process
        self.interpreter = interpreter
    }

    /// The deepest body recursion kvsh allows. The BEAM grows a process's stack until memory runs
    /// out; kvsh stops earlier with an error, so unbounded recursion cannot take the node down.
    public static let maxDepth = 120_000

    /// Calls a function value (a closure or `&Mod.fun/n`) with `args`.
    public func apply(_ fun: Term, _ args: [Term]) async throws -> Term {
        try await interpreter.apply(fun, args, self)
    }
}

/// A module's function written in Swift.
/// `pure` ones need no process (and may run in guards); `process` ones send, receive, spawn or call back.
public enum NativeFunction: Sendable {
    case pure(@Sendable ([Term]) throws -> Term)
    case process(@Sendable (CallContext, [Term]) async throws -> Term)
}

/// A module whose functions are Swift closures (`Kernel`, `Enum`, `:erlang`, ...).
public struct NativeModule: Sendable {
    public let name: Atom
    public private(set) var functions: [FunctionKey: NativeFunction] = [:]

    /// - Parameter name: an Elixir alias (`"Enum"`, stored as `Elixir.Enum`) or an Erlang module (`":erlang"`).
    public init(_ name: String) {
        self.name = Atom(name.hasPrefix(":") ? String(name.dropFirst()) : "Elixir." + name)
    }

    public mutating func pure(_ name: String, _ arities: Int..., body: @escaping @Sendable ([Term]) throws -> Term) {
        for arity in arities { functions[FunctionKey(Atom(name), arity)] = .pure(body) }
    }

    public mutating func process(
        _ name: String, _ arities: Int..., body: @escaping @Sendable (CallContext, [Term]) async throws -> Term
    ) {
        for arity in arities { functions[FunctionKey(Atom(name), arity)] = .process(body) }
    }
}

// MARK: - Argument helpers for natives

extension Term {
    /// The integer value, or ArgumentError as the BEAM's BIFs give.
    func int() throws -> Int {
        guard case .int(let value) = self else { throw ElixirError.argument() }
        return value
    }

    func atom() throws -> Atom {
        guard case .atom(let value) = self else { throw ElixirError.argument() }
        return value
    }

    func pid() throws -> Pid {
        guard case .pid(let value) = self else { throw ElixirError.argument() }
        return value
    }

    func list() throws -> [Term] {
        guard let elements = properList else { throw ElixirError.argument() }
        return elements
    }

    func string() throws -> String {
        guard let text = stringValue else { throw ElixirError.argument() }
        return text
    }
}
