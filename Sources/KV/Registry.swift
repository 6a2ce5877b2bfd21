import ETF
import NodeRuntime

/// `KV.Registry`: names buckets. A process registered as `KV.Registry` creates and monitors them
/// (see `RegistryServer`); `lookup` reads its table directly, from any thread, as the guide reads
/// its ETS table without a message.
public final class Registry: Sendable {
    /// `KV.Registry`, the name the guide's router calls it by on every node.
    public static let name = Atom("Elixir.KV.Registry")

    public let pid: Pid
    public let node: LocalNode
    private let table: BucketTable

    private init(pid: Pid, node: LocalNode, table: BucketTable) {
        self.pid = pid
        self.node = node
        self.table = table
    }

    /// Starts the registry's process and registers it as `name`.
    /// - Parameter groupLeader: where output of functions run in buckets goes (buckets inherit
    ///   it); the registry's own pid when nil.
    /// - Throws: `RegistryError.nameTaken` when another process holds `name`; nothing is left running.
    public static func start(on node: LocalNode, name: Atom = Registry.name, groupLeader: Pid? = nil) throws(RegistryError) -> Registry {
        let table = BucketTable()
        let pid = node.spawn(groupLeader: groupLeader) { process in
            var server = RegistryServer(table: table)
            try await server.serve(in: process)
        }.pid
        do {
            try node.register(name, pid)
        } catch {
            node.exit(pid, reason: .atom(.kill), from: pid)
            throw .nameTaken(name, by: node.whereis(name))
        }
        return Registry(pid: pid, node: node, table: table)
    }

    /// The bucket named `name` (`KV.Registry.lookup/2`), without asking the registry's process.
    /// Safe to call from any thread, concurrently with the registry's own changes.
    public func lookup(_ name: [UInt8]) -> Pid? {
        table.lookup(name)
    }

    /// The bucket named `name` with its state, for direct `Map` calls (`KVApplication.runDirectly`).
    func bucket(_ name: [UInt8]) -> BucketTable.Entry? {
        table.entry(name)
    }

    /// The names of the buckets the registry holds now, in no particular order.
    public var bucketNames: [[UInt8]] {
        table.names
    }

    /// True while the registry's process runs.
    public var isAlive: Bool {
        node.process(pid)?.isAlive == true
    }
}

public enum RegistryError: Error, Equatable, CustomStringConvertible {
    /// Another process is registered under the registry's name (a registry already runs).
    case nameTaken(Atom, by: Pid?)
    /// A call to the registry ended without a reply: its exit reason (`:noproc`, `:timeout`, …).
    case callFailed(request: Term, reason: Term)
    /// The registry answered, but not with what the request expects.
    case unexpectedReply(request: Term, reply: Term)

    public var description: String {
        switch self {
        case let .nameTaken(name, by):
            let holder = by.map { " by \(Term.pid($0).inspect())" } ?? ""
            return "cannot start the KV registry: the name \(Term.atom(name).inspect()) is already registered\(holder)"
        case let .callFailed(request, reason):
            return "the KV registry did not answer \(request.inspect()): \(reason.inspect())"
        case let .unexpectedReply(request, reply):
            return "the KV registry answered \(request.inspect()) with \(reply.inspect())"
        }
    }
}
