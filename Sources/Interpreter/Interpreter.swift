import ETF
import KV
import NodeRuntime
import Synchronization

/// A node's code: its native modules and the modules defined in its shell with `defmodule`,
/// and the evaluator that runs quoted Elixir against them.
public final class Interpreter: Sendable {
    public let node: LocalNode
    private let natives: [Atom: NativeModule]
    private let userModules = Mutex<[Atom: UserModule]>([:])
    /// `Application.put_env/get_env`: application → key → value.
    let applicationEnv = Mutex<[Atom: [Atom: Term]]>([:])
    /// The nodes this one has dealt with, and how their pids print (`#PID<N.…>`).
    public let nodeTable: NodeTable
    /// The node's `:kv` application, behind `KV.Registry`, `KV.Bucket`, `KV.Router` and
    /// `Application.put_env(:kv, :routing_table, ...)`; nil where it is not started.
    public let kv: KVApplication?

    /// Also makes this interpreter what runs spawn requests from other nodes on `node`
    /// (`LocalNode.setCodeRunner`): the last interpreter made for a node answers them.
    public init(node: LocalNode, kv: KVApplication? = nil, extraModules: [NativeModule] = []) {
        self.node = node
        self.kv = kv
        var table: [Atom: NativeModule] = [:]
        for module in StandardLibrary.modules + KVModules.modules + extraModules { table[module.name] = module }
        natives = table
        nodeTable = NodeTable(local: node.name)
        node.setCodeRunner(InterpreterCodeRunner(self))
    }

    /// `base` with remote pids, references and ports numbered as this node's table numbers them:
    /// what the shell should inspect results with.
    public func inspectOptions(_ base: InspectOptions = InspectOptions()) -> InspectOptions {
        nodeTable.inspectOptions(base)
    }

    func define(_ module: UserModule) {
        userModules.withLock { $0[module.name] = module }
    }

    func userModule(_ name: Atom) -> UserModule? { userModules.withLock { $0[name] } }

    func native(_ module: Atom, _ key: FunctionKey) -> NativeFunction? { natives[module]?.functions[key] }

    /// The functions of a native module, or `nil` when there is no such native module.
    func nativeFunctions(_ module: Atom) -> Set<FunctionKey>? { natives[module].map { Set($0.functions.keys) } }

    /// True when `module` exists on this node, natively or defined in the shell.
    public func moduleExists(_ module: Atom) -> Bool { natives[module] != nil || userModule(module) != nil }

    // MARK: - Calling

    /// `apply(module, function, args)`: a shell-defined module first, then a native one.
    public func call(_ module: Atom, _ function: Atom, _ args: [Term], _ context: CallContext) async throws -> Term {
        let key = FunctionKey(function, args.count)
        if let user = userModule(module) {
            guard let definition = user.functions[key], definition.isPublic else {
                var error = ElixirError.undefinedFunction(module, function, arity: args.count, moduleMissing: false)
                error.failedCall = ElixirError.describeCall(module, function, args)
                throw error
            }
            return try await invoke(definition.clauses, args, module: module, name: function, captured: Env(module: module), context)
        }
        switch natives[module]?.functions[key] {
        case .pure(let body)?: return try body(args)
        case .process(let body)?: return try await body(context, args)
        case nil:
            var error = ElixirError.undefinedFunction(module, function, arity: args.count, moduleMissing: natives[module] == nil)
            error.failedCall = ElixirError.describeCall(module, function, args)
            throw error
        }
    }

    /// `erl_eval`: the module of every fun made in a BEAM node's shell or `Code.eval_*`, which
    /// any BEAM node has loaded, so a BEAM that cannot run such a fun says `:badfun`.
    private static func runsOnEveryBEAM(_ module: Atom) -> Bool { module.text == "erl_eval" }

    /// Calls a function value.
    public func apply(_ fun: Term, _ args: [Term], _ context: CallContext) async throws -> Term {
        guard case .fun(let value) = fun else { throw ElixirError.badFunction(fun) }
        guard value.arity == args.count else { throw ElixirError.badArity(fun, args) }
        switch value.kind {
        case let .export(module, function, _):
            return try await call(module, function, args, context)
        case .closure(let closure as Closure):
            return try await invoke(closure.clauses, args, module: nil, name: nil, captured: closure.env, context)
        case .foreign(let foreign):
            throw ElixirError.foreignFun(fun, args, moduleLoaded: Self.runsOnEveryBEAM(foreign.module) || moduleExists(foreign.module))
        case .closure:
            throw ElixirError.badFunction(fun)
        }
    }

    /// Runs the first clause whose patterns and guard accept `args`. A call in tail position of
    /// the body does not nest: it comes back as the next call to make here, so a tail-recursive
    /// loop runs in constant depth and memory, as on the BEAM.
    func invoke(
        _ clauses: [Clause], _ args: [Term], module: Atom?, name: Atom?, captured: Env, _ context: CallContext
    ) async throws -> Term {
        var context = context
        context.depth += 1
        guard context.depth <= CallContext.maxDepth else {
            throw ElixirError.exception("SystemLimitError", [
                ("message", .string("a system limit has been reached: more than \(CallContext.maxDepth) nested function calls")),
            ])
        }
        var call = TailCall(clauses: clauses, args: args, module: module, name: name, captured: captured)
        while true {
            try await context.process.checkpoint()
            guard let (body, env) = try selectClause(call) else {
                if let module = call.module, let name = call.name {
                    throw ElixirError.functionClause(module, name, arity: call.args.count)
                }
                throw ElixirError.exception("FunctionClauseError", [
                    ("module", .atom("erl_eval")), ("function", .atom("-inside-an-interpreted-fun-")), ("arity", .int(call.args.count)),
                ])
            }
            var bodyEnv = env
            switch try await evalTail(body, &bodyEnv, context) {
            case .value(let value): return value
            case .call(let next): call = next
            }
        }
    }

    private func selectClause(_ call: TailCall) throws -> (Term, Env)? {
        for clause in call.clauses {
            var env = call.captured
            if try matchAll(clause.parameters, call.args, &env), guardHolds(clause.guardExpression, env) {
                return (clause.body, env)
            }
        }
        return nil
    }

    /// Evaluates a quoted expression as a fresh process body would (no bindings).
    public func evaluate(_ quoted: Term, in process: NodeRuntime.Process) async throws -> Term {
        var env = Env(module: nil)
        return try await eval(quoted, &env, CallContext(process: process, interpreter: self))
    }
}

/// Variable bindings, and the module whose code is running (for local calls to its functions).
public struct Env: Sendable {
    public var variables: [String: Term] = [:]
    public var module: Atom?

    public init(module: Atom?, variables: [String: Term] = [:]) {
        self.module = module
        self.variables = variables
    }
}

/// A call to an interpreted function, made from tail position.
struct TailCall: Sendable {
    var clauses: [Clause]
    var args: [Term]
    var module: Atom?
    var name: Atom?
    var captured: Env
}

enum TailOutcome: Sendable {
    case value(Term)
    case call(TailCall)
}

/// One clause of a `fn`, `def`, `case` or `receive`: quoted patterns, an optional guard, a body.
struct Clause: Sendable {
    var parameters: [Term]
    var guardExpression: Term?
    var body: Term
}

/// A module defined in the shell.
final class UserModule: Sendable {
    struct Definition: Sendable {
        var clauses: [Clause]
        var isPublic: Bool
    }

    let name: Atom
    let functions: [FunctionKey: Definition]

    init(name: Atom, functions: [FunctionKey: Definition]) {
        self.name = name
        self.functions = functions
    }
}

/// A `fn` made by the evaluator: its clauses and the bindings it closed over.
final class Closure: FunClosure {
    let clauses: [Clause]
    let env: Env
    let arity: Int
    let origin: FunOrigin
    /// The `{:fn, meta, clauses}` it was made from: how it travels to another node.
    let quoted: Term

    init(clauses: [Clause], env: Env, arity: Int, quoted: Term) {
        self.clauses = clauses
        self.env = env
        self.arity = arity
        self.quoted = quoted
        // How iex names a fun made at its prompt: erl_eval (OTP 25) has one fun per arity,
        // numbered down from 43 for arity 0.
        origin = FunOrigin(module: Atom("erl_eval"), name: "expr/6", index: UInt32(43 - min(arity, 20)), uniq: 3_316_493)
    }
}
