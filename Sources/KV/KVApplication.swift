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

    /// Starts the registry as `KV.Registry` on `node`.
    /// - Parameters:
    ///   - routingTable: every bucket on `node` itself when nil.
    ///   - groupLeader: where output of functions run in buckets goes (the node's terminal).
    /// - Throws: `RegistryError.nameTaken` when `KV.Registry` already runs on the node.
    public static func start(on node: LocalNode, routingTable: RoutingTable? = nil, groupLeader: Pid? = nil) throws(RegistryError) -> KVApplication {
        let registry = try Registry.start(on: node, groupLeader: groupLeader)
        return KVApplication(node: node, registry: registry, routingTable: routingTable ?? .everythingTo(node.name))
    }

    /// The table routing uses now; safe to read and replace from any thread.
    public var routingTable: RoutingTable {
        get { table.withLock { $0 } }
        set { table.withLock { $0 = newValue } }
    }
}
