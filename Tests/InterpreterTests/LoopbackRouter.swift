import ETF
import NodeRuntime
import Synchronization

/// Nodes of one test process, connected without sockets: what each node's `LoopbackRouter` asks
/// to reach the others. A node connects to another on first use, as the BEAM auto-connects.
final class LoopbackNetwork: Sendable {
    private struct State {
        var nodes: [Atom: LocalNode] = [:]
        /// Pairs of connected nodes, each stored both ways.
        var connections = Set<Pair>()
        /// Who receives `{:nodedown, node}`: watched node → watchers (one entry per `Node.monitor`).
        var nodeWatchers: [Atom: [Pid]] = [:]
    }

    struct Pair: Hashable {
        let from: Atom
        let to: Atom
    }

    private let state = Mutex(State())

    /// Adds a node and plugs a router to this network into it.
    func join(_ node: LocalNode) {
        state.withLock { $0.nodes[node.name] = node }
        node.setRemoteRouter(LoopbackRouter(network: self, local: node.name))
    }

    func node(_ name: Atom) -> LocalNode? { state.withLock { $0.nodes[name] } }

    /// The other node, connected first when it exists; nil when it cannot be reached.
    func reach(_ name: Atom, from local: Atom) -> LocalNode? {
        state.withLock { state in
            guard name != local, let node = state.nodes[name] else { return nil }
            state.connections.insert(Pair(from: local, to: name))
            state.connections.insert(Pair(from: name, to: local))
            return node
        }
    }

    func connected(from local: Atom) -> [Atom] {
        state.withLock { state in state.connections.filter { $0.from == local }.map(\.to).sorted { $0.text < $1.text } }
    }

    func watchNode(_ name: Atom, by pid: Pid, enable: Bool) {
        state.withLock { state in
            if enable {
                state.nodeWatchers[name, default: []].append(pid)
            } else if let index = state.nodeWatchers[name]?.firstIndex(of: pid) {
                state.nodeWatchers[name]?.remove(at: index)
            }
        }
    }

    /// Takes the connection down: each side loses the other's links and monitors, and node
    /// watchers on each side hear `{:nodedown, other}`.
    func disconnect(_ a: Atom, _ b: Atom) -> Bool {
        let outcome = state.withLock { state -> (LocalNode, LocalNode, [Pid], [Pid])? in
            guard state.connections.remove(Pair(from: a, to: b)) != nil else { return nil }
            state.connections.remove(Pair(from: b, to: a))
            guard let nodeA = state.nodes[a], let nodeB = state.nodes[b] else { return nil }
            let watchersOfB = state.nodeWatchers[b, default: []].filter { $0.node == a }
            let watchersOfA = state.nodeWatchers[a, default: []].filter { $0.node == b }
            state.nodeWatchers[b]?.removeAll { $0.node == a }
            state.nodeWatchers[a]?.removeAll { $0.node == b }
            return (nodeA, nodeB, watchersOfB, watchersOfA)
        }
        guard let (nodeA, nodeB, watchersOfB, watchersOfA) = outcome else { return false }
        nodeA.connectionLost(to: b)
        nodeB.connectionLost(to: a)
        for pid in watchersOfB { nodeA.send(.tuple([.atom("nodedown"), .atom(b)]), to: pid) }
        for pid in watchersOfA { nodeB.send(.tuple([.atom("nodedown"), .atom(a)]), to: pid) }
        return true
    }
}

/// `RemoteSignalRouter` for a node of a `LoopbackNetwork`: every signal is handed straight to the
/// other node's `LocalNode.signal`, as the distribution layer would after decoding it.
final class LoopbackRouter: RemoteSignalRouter {
    /// Weak: the network keeps the nodes, which keep their routers.
    private weak let network: LoopbackNetwork?
    let local: Atom

    init(network: LoopbackNetwork, local: Atom) {
        self.network = network
        self.local = local
    }

    private var localNode: LocalNode? { network?.node(local) }

    func route(_ signal: Signal, to pid: Pid) {
        if let target = network?.reach(pid.node, from: local) {
            target.signal(pid, signal)
        } else {
            // As the BEAM answers a link or monitor to a node it cannot reach.
            switch signal {
            case .link(let from): localNode?.signal(from, .exit(from: pid, reason: .atom(.noconnection), link: true))
            case let .monitor(from, ref): localNode?.signal(from, .down(ref: ref, of: .pid(pid), reason: .atom(.noconnection)))
            default: break
            }
        }
    }

    func send(_ message: Term, toName name: Atom, on node: Atom, from: Pid) {
        guard let target = network?.reach(node, from: local), let pid = target.whereis(name) else { return }
        target.send(message, to: pid)
    }

    func send(_ message: Term, toAlias alias: Reference, from: Pid) {
        guard let target = network?.reach(alias.node, from: local), let owner = target.aliasOwner(alias) else { return }
        target.send(message, to: owner)
    }

    func monitor(name: Atom, on node: Atom, from: Pid, ref: Reference) {
        let watched = Term.tuple([.atom(name), .atom(node)])
        guard let target = network?.reach(node, from: local) else {
            localNode?.signal(from, .down(ref: ref, of: watched, reason: .atom(.noconnection)))
            return
        }
        guard let pid = target.whereis(name) else {
            localNode?.signal(from, .down(ref: ref, of: watched, reason: .atom(.noproc)))
            return
        }
        // A dead process answers `:DOWN … :noproc` through `undeliverable`.
        target.signal(pid, .monitor(from: from, ref: ref))
    }

    func demonitor(name: Atom, on node: Atom, from: Pid, ref: Reference) {
        guard let target = network?.reach(node, from: local), let pid = target.whereis(name) else { return }
        target.signal(pid, .demonitor(from: from, ref: ref))
    }

    func spawnRequest(
        on node: Atom, id: Reference, from: Pid, groupLeader: Pid,
        module: Atom, function: Atom, arguments: [Term], options: LocalNode.SpawnOptions
    ) {
        guard let caller = localNode else { return }
        guard let target = network?.reach(node, from: local), let runner = target.codeRunner else {
            caller.send(.tuple([.atom("spawn_reply"), .reference(id), .error, .atom(.noconnection)]), to: from)
            return
        }
        // The child waits until the caller's side of its link and monitor exists, so that an
        // early exit cannot overtake them.
        let gate = Gate()
        let child = target.spawn(remoteParent: from, options: options, groupLeader: groupLeader, monitorReference: id) { process in
            await gate.wait()
            try await runner.apply(module, function, arguments, in: process)
        }
        if options.contains(.link) { caller.signal(from, .link(from: child)) }
        if options.contains(.monitor) { caller.recordMonitor(held: from, ref: id, on: .pid(child)) }
        caller.send(.tuple([.atom("spawn_reply"), .reference(id), .ok, .pid(child)]), to: from)
        gate.open()
    }

    func connect(to node: Atom) async -> Bool {
        node == local || network?.reach(node, from: local) != nil
    }

    func disconnect(_ node: Atom) -> Bool {
        network?.disconnect(local, node) ?? false
    }

    var connectedNodes: [Atom] { network?.connected(from: local) ?? [] }

    func monitorNode(_ node: Atom, by pid: Pid, enable: Bool) {
        guard enable else {
            network?.watchNode(node, by: pid, enable: false)
            return
        }
        if network?.reach(node, from: local) == nil {
            localNode?.send(.tuple([.atom("nodedown"), .atom(node)]), to: pid)
        } else {
            network?.watchNode(node, by: pid, enable: true)
        }
    }
}

/// A one-shot latch: `wait()` returns once `open()` has been called.
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state -> Bool in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
