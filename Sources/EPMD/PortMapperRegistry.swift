import NIOCore
import Synchronization

/// What a running daemon holds: the registered nodes and the open connections. The connections'
/// handlers run on whichever event loops the group gives them, so one mutex guards it all; no
/// operation under it does more than touch this table.
final class PortMapperRegistry: Sendable {
    private struct Registered {
        var node: PortMapperNode
        var creation: UInt32
    }

    private struct State {
        /// Oldest first.
        var nodes: [Registered] = []
        var nextCreation: UInt32
        var connections: [ObjectIdentifier: Channel] = [:]
    }

    private let state: Mutex<State>
    /// The most connections served at once; past it a new connection is closed at once, so
    /// that a flood costs the daemon a bounded amount of memory.
    let maximumConnections: Int

    /// - Parameter firstCreation: the creation handed to the first registration; as epmd's, it
    ///   starts from an arbitrary value so that a restarted mapper is unlikely to repeat one.
    init(maximumConnections: Int, firstCreation: UInt32 = .random(in: 1...UInt32.max)) {
        self.maximumConnections = maximumConnections
        self.state = Mutex(State(nextCreation: firstCreation))
    }

    // MARK: - Connections

    /// Counts a new connection in, unless the daemon serves as many as it may already.
    /// - Returns: false when the connection must be turned away.
    func admit(_ channel: Channel) -> Bool {
        state.withLock { state in
            guard state.connections.count < maximumConnections else { return false }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// Forgets a connection that has closed.
    func release(_ channel: Channel) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The connections open now, to close them when the daemon stops.
    var openConnections: [Channel] {
        state.withLock { Array($0.connections.values) }
    }

    // MARK: - Nodes

    /// Registers `node` under its name with a fresh creation, never 0.
    /// - Returns: the creation, or nil when a node holds that name already.
    func register(_ node: PortMapperNode) -> UInt32? {
        state.withLock { state in
            guard !state.nodes.contains(where: { $0.node.name == node.name }) else { return nil }
            let creation = state.nextCreation
            state.nextCreation = creation == UInt32.max ? 1 : creation + 1
            state.nodes.append(Registered(node: node, creation: creation))
            return creation
        }
    }

    /// Forgets the registration of `name` made with `creation`, when its connection closes.
    func unregister(name: String, creation: UInt32) {
        state.withLock { state in
            state.nodes.removeAll { $0.node.name == name && $0.creation == creation }
        }
    }

    /// The node registered as `name`, if any.
    func lookup(name: String) -> PortMapperNode? {
        state.withLock { state in state.nodes.first { $0.node.name == name }?.node }
    }

    /// Every registered node, newest first, as epmd lists them.
    func names() -> [PortMapperResponse.NamedPort] {
        state.withLock { state in
            state.nodes.reversed().map { PortMapperResponse.NamedPort(name: $0.node.name, port: Int($0.node.port)) }
        }
    }
}
