import ETF
import NodeRuntime
import Synchronization

/// The `:kv` application of one node: its registry, and the routing table that says which node
/// holds which buckets (`Application.get_env(:kv, :routing_table)`). Started once per node; the
/// router builds on it (`KVApplication+Router.swift`).
public final class KVApplication: Sendable {
    public let node: LocalNode
    public let registry: Registry
    private let table: Mutex<RoutingTable>

    private init(node: LocalNode, registry: Registry, routingTable: RoutingTable) {
        self.node = node
        self.registry = registry
        table = Mutex(routingTable)
    }

    /// Starts the registry as `KV.Registry` on `node`, and the task supervisor `KV.RouterTasks`
    /// that runs other nodes' routed requests here, as the guide's `KV.Supervisor` does.
    /// - Parameters:
    ///   - routingTable: every bucket on `node` itself when nil.
    ///   - groupLeader: where output of functions run in buckets goes (the node's terminal).
    /// - Throws: `RegistryError.nameTaken` when `KV.Registry` or `KV.RouterTasks` already runs on the node.
    public static func start(on node: LocalNode, routingTable: RoutingTable? = nil, groupLeader: Pid? = nil) throws(RegistryError) -> KVApplication {
        if let holder = node.whereis(routerTasks) { throw .nameTaken(routerTasks, by: holder) }
        let registry = try Registry.start(on: node, groupLeader: groupLeader)
        do {
            _ = try TaskSupervisor.start(on: node, name: routerTasks)
        } catch {
            guard case let .alreadyStarted(name, holder) = error else { throw .nameTaken(routerTasks, by: nil) }
            throw .nameTaken(name, by: holder)
        }
        return KVApplication(node: node, registry: registry, routingTable: routingTable ?? .everythingTo(node.name))
    }

    /// Sends what the application's processes print to `leader`, the node's terminal, as a BEAM
    /// application's processes print through their application master to `user`: the registry
    /// and `KV.RouterTasks`, and the buckets and tasks they start from then on. Until then their
    /// group leader is themselves, and an `IO.puts` in a task another node started here (the
    /// guide's `Task.Supervisor.async({KV.RouterTasks, node}, IO, :puts, [...])`) would wait for
    /// an answer that never comes.
    public func setGroupLeader(_ leader: Pid) {
        for pid in [registry.pid, node.whereis(Self.routerTasks)].compactMap({ $0 }) {
            node.process(pid)?.groupLeader = leader
        }
    }

    /// The table routing uses now; safe to read and replace from any thread.
    public var routingTable: RoutingTable {
        get { table.withLock { $0 } }
        set { table.withLock { $0 = newValue } }
    }
}
