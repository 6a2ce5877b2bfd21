import ETF
import NodeRuntime

let kvScheduler = Scheduler(threads: 2)

/// Runs `body` as a process on a fresh node (with `runner` as its code runner) and waits for it.
func inProcess(
    runner: (any CodeRunner)? = FakeCodeRunner(),
    _ body: @escaping @Sendable (LocalNode, NodeRuntime.Process) async throws -> Void
) async throws {
    let node = LocalNode(name: Atom("kv@test"), creation: 1, scheduler: kvScheduler)
    if let runner { node.setCodeRunner(runner) }
    node.setCrashLog { _ in }
    let outcome: Result<Void, any Error> = await withCheckedContinuation { done in
        node.spawn { process in
            do {
                try await body(node, process)
                done.resume(returning: .success(()))
            } catch {
                done.resume(returning: .failure(error))
            }
        }
    }
    try outcome.get()
}

/// What the interpreter would run, for a few functions of a module `Fake` (export funs
/// `&Fake.f/n` arrive as `apply(:erlang, :apply, [fun, args])`):
/// `size(state)`, `pair(state)` → `{:got, state}`, `not_pair(state)` → `:oops`,
/// `add(state, k, v)` (a `put`), `boom(state)` throws `{:boom, state}`.
struct FakeCodeRunner: CodeRunner {
    static let module = Atom("Elixir.Fake")

    static func fun(_ name: String, arity: Int = 1) -> Term {
        .fun(Fun(.export(module: module, function: Atom(name), arity: arity)))
    }

    func apply(_ module: Atom, _ function: Atom, _ arguments: [Term], in process: NodeRuntime.Process) async throws -> Term {
        if module == Atom("erlang"), function == Atom("apply"), arguments.count == 2,
           case .fun(let fun) = arguments[0], case .export(let m, let f, _) = fun.kind, let args = arguments[1].properList {
            return try await apply(m, f, args, in: process)
        }
        guard module == Self.module, case .map(var map)? = arguments.first else {
            throw ProcessExit(reason: .tuple([.atom("undef"), .list([.atom(module), .atom(function)])]))
        }
        switch (function.text, arguments.count) {
        case ("size", 1): return .int(map.count)
        case ("pair", 1): return .tuple([.atom("got"), arguments[0]])
        case ("not_pair", 1): return .atom("oops")
        case ("add", 3):
            map[arguments[1]] = arguments[2]
            return .map(map)
        case ("boom", 1): throw ProcessExit(reason: .tuple([.atom("boom"), arguments[0]]))
        default: throw ProcessExit(reason: .tuple([.atom("undef"), .list([.atom(module), .atom(function)])]))
        }
    }
}

extension NodeRuntime.Process {
    /// Sends a raw `$gen_call` with the tag `{pid, ref}` and waits for `{ref, reply}`.
    func call(_ server: Pid, _ request: Term) async throws -> Term? {
        let ref = Term.reference(node.makeReference())
        node.send(.tuple([.atom("$gen_call"), .tuple([.pid(pid), ref]), request]), to: server)
        return try await receive(timeout: .milliseconds(5000)) { message -> Term? in
            guard case .tuple(let parts) = message, parts.count == 2, parts[0] == ref else { return nil }
            return parts[1]
        }
    }

    func cast(_ server: Pid, _ request: Term) {
        node.send(.tuple([.atom("$gen_cast"), request]), to: server)
    }

    /// Waits for the `:DOWN` of `monitor`; returns its reason.
    func down(_ monitor: Reference) async throws -> Term? {
        try await receive(timeout: .milliseconds(5000)) { message -> Term? in
            guard case .tuple(let parts) = message, parts.count == 5, parts[0] == .atom("DOWN"),
                  parts[1] == .reference(monitor) else { return nil }
            return parts[4]
        }
    }
}

func bin(_ text: String) -> Term { .string(text) }

let mapModule = Term.atom("Elixir.Map")

func mapCall(_ function: String, _ args: Term...) -> Term {
    .tuple([mapModule, .atom(function), .list(args)])
}
