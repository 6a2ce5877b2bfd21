import ETF
import EPMD
import Foundation
import NIOCore
import NIOPosix
import NodeRuntime
import Synchronization

/// net_kernel's job: the table of connections to other nodes. It dials on demand (the first
/// signal for a node connects to it; signals sent meanwhile wait in order), accepts incoming
/// connections, settles simultaneous connects as OTP does, and tells the node core when a
/// connection goes (`nodedown`: links break, monitors fire).
public final class NetKernel: RemoteSignalRouter {
    public let node: LocalNode
    let identity: Handshake.Identity
    let cookie: String
    let settings: DistributionSettings
    let group: any EventLoopGroup
    /// The network thread's spin before it sleeps; connections report their work and sockets.
    let busyWait: BusyWait
    private let table = Mutex(Table())
    private let nextUnlinkID = Atomic<UInt64>(1)
    /// Monitors that other nodes set on one of our registered names, by reference: their
    /// `MONITOR_P_EXIT` names the name, not the pid (`{:DOWN, ref, :process, {name, node}, reason}`).
    private let nameMonitors = Mutex<[Reference: Atom]>([:])

    /// One row per node we have or want a connection to.
    private enum Entry {
        /// Dialing or shaking hands; `owner` is the attempt that will become the connection.
        case pending(owner: Int, queue: [ControlMessage], waiters: [CheckedContinuation<Bool, Never>])
        case up(Connection)
    }

    private struct Table {
        var entries: [Atom: Entry] = [:]
        var nextAttempt = 1
        /// `Node.monitor/2`: who gets `{:nodedown, node}`, once per call.
        var nodeMonitors: [Atom: [Pid]] = [:]
    }

    init(node: LocalNode, cookie: String, settings: DistributionSettings, group: any EventLoopGroup, busyWait: BusyWait) {
        self.node = node
        self.busyWait = busyWait
        self.cookie = cookie
        self.settings = settings
        self.group = group
        identity = Handshake.Identity(name: node.name, creation: node.creation)
    }

    // MARK: - RemoteSignalRouter

    public func route(_ signal: Signal, to pid: Pid) {
        guard pid.node != node.name else {
            // A pid of an earlier incarnation of this node: it is dead.
            node.undeliverable(signal, to: pid)
            return
        }
        let message: ControlMessage = switch signal {
        case .message(let term): .send(to: pid, message: term)
        case let .exit(from, reason, true): .exit(from: from, to: pid, reason: reason)
        case let .exit(from, reason, false): .exit2(from: from, to: pid, reason: reason)
        case .link(let from): .link(from: from, to: pid)
        case .unlink(let from):
            .unlinkID(id: nextUnlinkID.wrappingAdd(1, ordering: .relaxed).oldValue, from: from, to: pid)
        case let .monitor(from, ref): .monitor(from: from, target: .pid(pid), ref: ref)
        case let .demonitor(from, ref): .demonitor(from: from, target: .pid(pid), ref: ref)
        case let .down(ref, of, reason):
            .monitorExit(
                target: nameMonitors.withLock { $0.removeValue(forKey: ref) }.map(MonitorTarget.name) ?? Self.monitorTarget(of),
                to: pid, ref: ref, reason: reason)
        case .groupLeader(let leader): .groupLeader(from: leader, to: pid)
        }
        send(message, to: pid.node)
    }

    public func send(_ message: Term, toName name: Atom, on target: Atom, from: Pid) {
        if target == node.name {
            if let pid = node.whereis(name) { node.send(message, to: pid) }
            return
        }
        send(.regSend(from: from, toName: name, message: message), to: target)
    }

    public func monitor(name: Atom, on target: Atom, from: Pid, ref: Reference) {
        send(.monitor(from: from, target: .name(name), ref: ref), to: target)
    }

    public func demonitor(name: Atom, on target: Atom, from: Pid, ref: Reference) {
        send(.demonitor(from: from, target: .name(name), ref: ref), to: target)
    }

    public func spawnRequest(
        on target: Atom, id: Reference, from: Pid, groupLeader: Pid,
        module: Atom, function: Atom, arguments: [Term], options: LocalNode.SpawnOptions
    ) {
        var flags: [Term] = []
        if options.contains(.link) { flags.append(.atom("link")) }
        if options.contains(.monitor) { flags.append(.atom("monitor")) }
        send(.spawnRequest(
            id: id, from: from, groupLeader: groupLeader, module: module, function: function,
            arity: arguments.count, options: .list(flags), arguments: .list(arguments)), to: target)
    }

    /// Sends a message to an alias (`ALIAS_SEND`): how a gen_server reply reaches a caller on
    /// an OTP 24+ node, which waits on `[:alias | ref]`.
    public func send(_ message: Term, toAlias alias: Reference, from: Pid) {
        guard alias.node != node.name else { return }
        send(.aliasSend(from: from, alias: alias, message: message), to: alias.node)
    }

    public func connect(to target: Atom) async -> Bool {
        if target == node.name { return true }
        return await withCheckedContinuation { continuation in
            let dial: Int? = table.withLock { table in
                switch table.entries[target] {
                case .up:
                    continuation.resume(returning: true)
                    return nil
                case .pending(let owner, let queue, var waiters):
                    waiters.append(continuation)
                    table.entries[target] = .pending(owner: owner, queue: queue, waiters: waiters)
                    return nil
                case nil:
                    return Self.startAttempt(&table, for: target, queue: [], waiters: [continuation])
                }
            }
            if let dial { startDialing(target, attempt: dial) }
        }
    }

    public func disconnect(_ target: Atom) -> Bool {
        let connection: Connection? = table.withLock { table in
            if case .up(let connection) = table.entries[target] { return connection }
            return nil
        }
        connection?.close()
        return connection != nil
    }

    public var connectedNodes: [Atom] {
        table.withLock { table in
            table.entries.compactMap { name, entry in
                if case .up = entry { return name }
                return nil
            }.sorted { $0.text < $1.text }
        }
    }

    public func monitorNode(_ target: Atom, by pid: Pid, enable: Bool) {
        guard enable else {
            table.withLock { table in
                if let index = table.nodeMonitors[target]?.firstIndex(of: pid) {
                    table.nodeMonitors[target]?.remove(at: index)
                }
            }
            return
        }
        if target == node.name { return }
        // Connected already: watch now, so a disconnect right after this call is seen.
        let watching = table.withLock { table -> Bool in
            guard case .up = table.entries[target] else { return false }
            table.nodeMonitors[target, default: []].append(pid)
            return true
        }
        if watching { return }
        Task {
            let connected = await connect(to: target)
            let stillUp = table.withLock { table -> Bool in
                guard connected, case .up = table.entries[target] else { return false }
                table.nodeMonitors[target, default: []].append(pid)
                return true
            }
            if !stillUp { node.send(.tuple([.atom("nodedown"), .atom(target)]), to: pid) }
        }
    }

    // MARK: - Sending

    /// Sends a control message to `target`, dialing it first when there is no connection.
    func send(_ message: ControlMessage, to target: Atom) {
        enum Action { case write(Connection), dial(Int), none }
        let action: Action = table.withLock { table in
            switch table.entries[target] {
            case .up(let connection):
                return .write(connection)
            case .pending(let owner, var queue, let waiters):
                queue.append(message)
                table.entries[target] = .pending(owner: owner, queue: queue, waiters: waiters)
                return .none
            case nil:
                return .dial(Self.startAttempt(&table, for: target, queue: [message], waiters: []))
            }
        }
        switch action {
        case .write(let connection): connection.send(message)
        case .dial(let attempt): startDialing(target, attempt: attempt)
        case .none: break
        }
    }

    private static func startAttempt(
        _ table: inout Table, for target: Atom, queue: [ControlMessage], waiters: [CheckedContinuation<Bool, Never>]
    ) -> Int {
        let attempt = table.nextAttempt
        table.nextAttempt += 1
        table.entries[target] = .pending(owner: attempt, queue: queue, waiters: waiters)
        return attempt
    }

    /// Dials in the background. A node that cannot be reached is not logged, as OTP does not:
    /// the signals waiting for it answer `:noconnection` and `Node.connect` says `false`.
    private func startDialing(_ target: Atom, attempt: Int) {
        Task {
            do {
                try await dial(target, attempt: attempt)
            } catch {
                attemptFailed(target, attempt: attempt)
            }
        }
    }

    /// Looks the node up with its host's port mapper and opens a connection that shakes hands as
    /// the initiator. The attempt settles in `established` or `attemptFailed`.
    private func dial(_ target: Atom, attempt: Int) async throws {
        let parts = target.text.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw DialError.badNodeName(target.text) }
        let host = String(parts[1])
        guard let entry = try await PortMapperClient.lookup(
            name: String(parts[0]), host: host, port: settings.portMapperPort, on: group)
        else { throw DialError.notRegistered(target.text) }
        let handshake = Handshake(initiator: identity, peer: target, cookie: cookie, challenge: .random(in: .min ... .max))
        _ = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(Int64(settings.setupTimeSeconds)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = Connection(kernel: self, channel: channel, attempt: attempt, handshake: handshake)
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(connection: connection, peer: target))
                }
            }
            .connect(host: host, port: Int(entry.port)).get()
    }

    enum DialError: Error, CustomStringConvertible {
        case badNodeName(String)
        case notRegistered(String)

        var description: String {
            switch self {
            case .badNodeName(let name): "\(name) is not a node name (name@host)"
            case .notRegistered(let name): "no node \(name) is registered with the port mapper on its host"
            }
        }
    }

    // MARK: - Connection events (called by connections)

    /// A new incoming connection's attempt number.
    func newAttempt() -> Int {
        table.withLock { table in
            defer { table.nextAttempt += 1 }
            return table.nextAttempt
        }
    }

    /// The acceptor's question: may `peer` connect now? Settles simultaneous connects as
    /// net_kernel does: the node with the greater name keeps its own attempt.
    func status(forIncoming peer: Atom, attempt: Int) -> Handshake.Status {
        if peer == node.name { return .notAllowed }
        return table.withLock { table in
            switch table.entries[peer] {
            case nil:
                table.entries[peer] = .pending(owner: attempt, queue: [], waiters: [])
                return .ok
            case .pending(_, let queue, let waiters):
                if node.name.text > peer.text { return .nok }
                // Give way: the incoming connection inherits what waited for ours.
                table.entries[peer] = .pending(owner: attempt, queue: queue, waiters: waiters)
                return .okSimultaneous
            case .up:
                return .alive
            }
        }
    }

    /// Whether `attempt` is still the one the row for `peer` waits for: a connection we dial asks
    /// before each handshake step, and when the peer answers `alive`.
    func owns(_ peer: Atom, attempt: Int) -> Bool {
        table.withLock { table in
            if case .pending(let owner, _, _) = table.entries[peer] { return owner == attempt }
            return false
        }
    }

    /// The initiator says our live connection to `peer` is stale: this attempt replaces it.
    func replaceStale(_ peer: Atom, attempt: Int) {
        let old: Connection? = table.withLock { table in
            guard case .up(let connection) = table.entries[peer] else { return nil }
            table.entries[peer] = .pending(owner: attempt, queue: [], waiters: [])
            return connection
        }
        old?.close()
    }

    /// The handshake is over: the connection goes live if its attempt still owns the row.
    /// - Returns: false when another attempt won meanwhile (the caller closes this one).
    func established(_ connection: Connection, peer: Handshake.Peer) -> Bool {
        let waiters: [CheckedContinuation<Bool, Never>]? = table.withLock { table in
            guard case .pending(let owner, let queue, let waiters) = table.entries[peer.name],
                  owner == connection.attempt else { return nil }
            table.entries[peer.name] = .up(connection)
            // Still under the lock: a signal sent once the row is up must go out after these.
            for message in queue { connection.send(message) }
            return waiters
        }
        guard let waiters else { return false }
        // Before any frame of the connection is dispatched: `global` hears of the node first.
        if peer.flags.contains(.published) { tellGlobal("nodeup", peer.name) }
        for waiter in waiters { waiter.resume(returning: true) }
        return true
    }

    /// A connection closed. A live one means `nodedown`; a pending attempt's queue is answered
    /// as signals to an unreachable node are.
    /// - Parameter gaveWay: the attempt lost a simultaneous connect (`nok`). The peer's own
    ///   connection, on its way, takes the row over with what waits in it (`ok_simultaneous`);
    ///   the attempt fails only if that connection does not come within the setup time.
    /// - Parameter accepted: the peer dialed this connection. What we queued for the peer while
    ///   it shook hands was ours to send: we dial the peer ourselves with it.
    func closed(_ connection: Connection, peer: Atom?, wasUp: Bool, gaveWay: Bool = false, accepted: Bool = false) {
        guard let peer else { return }
        if wasUp {
            let (monitors, wasCurrent): ([Pid], Bool) = table.withLock { table in
                var wasCurrent = false
                if case .up(let current) = table.entries[peer], current === connection {
                    table.entries[peer] = nil
                    wasCurrent = true
                }
                return (table.nodeMonitors.removeValue(forKey: peer) ?? [], wasCurrent)
            }
            node.connectionLost(to: peer)
            // A stale connection that a new one replaced: what the new one set up stays.
            if wasCurrent {
                nameMonitors.withLock { monitors in monitors = monitors.filter { $0.key.node != peer } }
                tellGlobal("nodedown", peer)
            }
            for pid in monitors { node.send(.tuple([.atom("nodedown"), .atom(peer)]), to: pid) }
        } else if gaveWay {
            group.next().scheduleTask(in: .seconds(Int64(settings.setupTimeSeconds))) {
                self.attemptFailed(peer, attempt: connection.attempt)
            }
        } else if accepted {
            let redial: Int? = table.withLock { table in
                guard case .pending(let owner, let queue, let waiters) = table.entries[peer],
                      owner == connection.attempt else { return nil }
                guard !queue.isEmpty || !waiters.isEmpty else {
                    table.entries[peer] = nil
                    return nil
                }
                return Self.startAttempt(&table, for: peer, queue: queue, waiters: waiters)
            }
            if let redial { startDialing(peer, attempt: redial) }
        } else {
            attemptFailed(peer, attempt: connection.attempt)
        }
    }

    /// A monitor from `peer`'s process on our registered `name` (nil: the monitor `ref` ended).
    func noteNameMonitor(_ ref: Reference, name: Atom?) {
        nameMonitors.withLock { $0[ref] = name }
    }

    /// `global` watches connections as OTP's does through `net_kernel:monitor_nodes/1`; hidden
    /// nodes are not its business.
    private func tellGlobal(_ event: String, _ peer: Atom) {
        if let server = node.whereis(GlobalNameServer.name) { node.send(.tuple([.atom(event), .atom(peer)]), to: server) }
    }

    private func attemptFailed(_ target: Atom, attempt: Int) {
        let failed: ([ControlMessage], [CheckedContinuation<Bool, Never>])? = table.withLock { table in
            guard case .pending(let owner, let queue, let waiters) = table.entries[target], owner == attempt else { return nil }
            table.entries[target] = nil
            return (queue, waiters)
        }
        guard let (queue, waiters) = failed else { return }
        for message in queue { unreachable(message) }
        for waiter in waiters { waiter.resume(returning: false) }
    }

    /// What a signal to a node that cannot be reached turns into: links and monitors answer
    /// `:noconnection`, a spawn request answers an error; messages vanish.
    private func unreachable(_ message: ControlMessage) {
        let reason = Term.atom(.noconnection)
        switch message {
        case let .link(from, to):
            node.signal(from, .exit(from: to, reason: reason, link: true))
        case let .monitor(from, target, ref):
            // The watcher's own record says what it watched; `of` only matters on the wire.
            let watched: Term = switch target {
            case .pid(let pid): .pid(pid)
            case .name(let name): .atom(name)
            }
            node.signal(from, .down(ref: ref, of: watched, reason: reason))
        case let .spawnRequest(id, from, _, _, _, _, _, _):
            node.send(.tuple([.atom("spawn_reply"), .reference(id), .error, reason]), to: from)
        default:
            break
        }
    }

    private static func monitorTarget(_ watched: Term) -> MonitorTarget {
        if case .tuple(let parts) = watched, let name = parts.first?.atomValue { return .name(name) }
        if case .pid(let pid) = watched { return .pid(pid) }
        return .name(.undefined)
    }
}

/// How this node takes part in distribution.
public struct DistributionSettings: Sendable {
    /// Where port mappers listen (`ERL_EPMD_PORT`, else 4369), here and on other hosts.
    public var portMapperPort: Int
    /// `net_ticktime` in seconds: a peer silent this long is dropped; we tick every quarter of it.
    public var tickTimeSeconds: Int
    /// `net_setuptime`: how long a connection may take to dial and shake hands.
    public var setupTimeSeconds: Int
    /// The largest connected-state frame a peer may send.
    public var maxFrameSize: Int
    /// How long the network thread polls its connections once its work runs out, before it
    /// sleeps (`BusyWait`); zero: it sleeps at once.
    public var busyWaitMicroseconds: Int

    public init(
        portMapperPort: Int = 4369, tickTimeSeconds: Int = 60, setupTimeSeconds: Int = 7, maxFrameSize: Int = 64 << 20,
        busyWaitMicroseconds: Int = 100
    ) {
        self.portMapperPort = portMapperPort
        self.tickTimeSeconds = tickTimeSeconds
        self.setupTimeSeconds = setupTimeSeconds
        self.maxFrameSize = maxFrameSize
        self.busyWaitMicroseconds = busyWaitMicroseconds
    }
}
