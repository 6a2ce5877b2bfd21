import ETF
import NodeRuntime

/// `KV.Router`: where a bucket's requests run.
extension KVApplication {
    /// The task supervisor every node runs for the router's remote hops (`KV.RouterTasks`).
    public static let routerTasks = Atom("Elixir.KV.RouterTasks")
    static let routerModule = Atom("Elixir.KV.Router")

    /// How a `{module, function, arguments}` runs on this node: the interpreter (so the shell
    /// sees Elixir's errors), or `applyLocally` for the text server.
    public typealias Apply = @Sendable (Atom, Atom, [Term]) async throws -> Term

    /// The guide's `KV.Router.route/4`: the first byte of `bucket` picks the table's first
    /// matching entry; this node applies the call itself, any other is asked through a task on
    /// its `KV.RouterTasks` (`Task.Supervisor.async` then `Task.await`), where `KV.Router.route`
    /// runs again with that node's own table.
    ///
    /// Tables that disagree could send a bucket back and forth forever. A task knows its callers
    /// (Elixir's `$callers`), so a hop to a node that already passed the request on is refused
    /// with `RoutingError.loop`.
    /// - Throws: `RoutingError`, `RoutingTableError` (no entry, empty name), and whatever the
    ///   call or the remote task throws (`GenServer.CallError` when the node is down,
    ///   `TaskExit` on timeout or when the task died).
    public func route(
        _ bucket: Term, _ module: Atom, _ function: Atom, _ arguments: [Term], in process: Process,
        apply: Apply
    ) async throws -> Term {
        guard case .binary(let name) = bucket else { throw RoutingError.notABinary(bucket) }
        let target = try routingTable.node(for: name)
        if target == node.name { return try await apply(module, function, arguments) }
        let path = Self.callerNodes(of: process) + [node.name]
        if path.contains(target) { throw RoutingError.loop(bucket: name, path: path + [target]) }
        let task = try await AsyncTask.async(
            supervisor: .named(Self.routerTasks, node: target), Self.routerModule, Atom("route"),
            [bucket, .atom(module), .atom(function), .list(arguments)], link: true, from: process)
        return try await task.await(in: process)
    }

    /// The nodes of the processes this request came through, oldest first: the owners of the
    /// tasks that led here.
    private static func callerNodes(of process: Process) -> [Atom] {
        guard let callers = process.dictionary[.atom("$callers")]?.properList else { return [] }
        return callers.reversed().compactMap { term in
            guard case .pid(let pid) = term else { return nil }
            return pid.node
        }
    }

    /// What `KV.Router.route` applies when the entry is this node and no interpreter is at hand:
    /// the registry's `create/2` and `lookup/2` natively, anything else through the node's code
    /// runner.
    public func applyLocally(_ module: Atom, _ function: Atom, _ arguments: [Term], in process: Process) async throws -> Term {
        if module == Registry.name, arguments.count == 2, arguments[0] == .atom(Registry.name), case .binary(let name) = arguments[1] {
            switch function {
            case .lookup: return registry.lookup(name).map { .tuple([.ok, .pid($0)]) } ?? .error
            case .create: return .pid(try await registry.create(name, by: process))
            default: break
            }
        }
        guard let runner = node.codeRunner else {
            throw ProcessExit(reason: .tuple([.atom("undef"), .list([.tuple([.atom(module), .atom(function), .list(arguments), .emptyList])])]))
        }
        return try await runner.apply(module, function, arguments, in: process)
    }
}

/// A request the router cannot send anywhere.
public enum RoutingError: Error, Equatable, CustomStringConvertible {
    /// `:binary.first/1` of something that is not a binary.
    case notABinary(Term)
    /// The nodes' tables send the bucket around in a circle: `path` is the nodes it went
    /// through, the first one repeated at the end.
    case loop(bucket: [UInt8], path: [Atom])

    public var description: String {
        switch self {
        case .notABinary:
            "errors were found at the given arguments:\n\n  * 1st argument: not a binary\n"
        case let .loop(bucket, path):
            "routing loop for \(Term.binary(bucket).inspect()): "
                + path.map { Term.atom($0).inspect() }.joined(separator: " -> ")
                + " (the nodes' routing tables disagree)"
        }
    }

    /// `:binary.first/1`'s ArgumentError, a RuntimeError for the loop.
    public var exceptionModule: Atom {
        switch self {
        case .notABinary: Atom("Elixir.ArgumentError")
        case .loop: Atom("Elixir.RuntimeError")
        }
    }
}
