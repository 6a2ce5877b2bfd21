import ETF
import NodeRuntime

/// `global_name_server`: this node's side of OTP 25's `global` connect protocol (vsn 8), so that
/// BEAM peers count it as synced (`:global.sync()` returns on their side) and keep it in their
/// cluster, and so that BEAM nodes that only meet through this node are told about each other.
///
/// kvsh registers no global names: it exchanges an empty name table and resolves nothing. For
/// each visible peer it runs one connect session, always as the answering side of the lockers:
/// the BEAM's locker locks both partitions (it sets the `global` lock here with `set_lock`
/// calls) and asks with `lock_set`; this node answers `lock_set` too when the lock is free or
/// held for that very session, then both sides `exchange` name tables and send `resolved`.
/// A session's tags tell its messages from those of an older session with the same node.
///
/// Not done here: this node does not police partitions itself (it ignores `lost_connection`
/// reports, as a BEAM node with `prevent_overlapping_partitions` false does, but obeys a BEAM
/// node's `remove_connection`), and it locks only itself for a session (a BEAM locker also
/// locks the nodes its side already knows).
struct GlobalNameServer {
    static let name = Atom("global_name_server")
    /// The newest protocol version, the one OTP 25 speaks.
    static let version = 8

    private let process: Process
    private var node: LocalNode { process.node }
    /// Nodes synced with this one, with their protocol versions (`known` in global.erl).
    private var known: [Atom: Int] = [:]
    private var synced: [Atom] = []
    private var sessions: [Atom: Session] = [:]
    /// Locks by resource id, as `global:set_lock/1` sets them here.
    private var locks: [Term: Lock] = [:]
    private var nextTag = 1

    /// One connect session with one node.
    private struct Session {
        /// Our `sync_tag_my`: the node quotes it on each message of this session.
        let tag: Term
        /// The node's own tag and protocol version, from its `init_connect`.
        var peerTag: Term?
        var peerVersion = GlobalNameServer.version
        /// The node's locker: the pid in its `lock_set`.
        var peerLocker: Pid?
        var sentResolved = false
        /// The node's `resolved`, when it came before ours went.
        var peerKnown: Term?
    }

    private struct Lock {
        let requester: Term
        /// Each holder with the monitor that drops it when it dies.
        var holders: [Pid: Reference]
    }

    /// Starts the server and registers it as `global_name_server`.
    static func start(on node: LocalNode) {
        let pid = node.spawn { process in
            var server = GlobalNameServer(process: process)
            while let message = try await process.receive() { server.handle(message) }
        }.pid
        try? node.register(name, pid)
    }

    private init(process: Process) {
        self.process = process
    }

    // MARK: - Messages

    mutating func handle(_ message: Term) {
        if let request = GenServer.cast(in: message) {
            handleCast(request)
        } else if let (from, request) = GenServer.call(in: message) {
            handleCall(request, from: from)
        } else {
            handleInfo(message)
        }
    }

    private mutating func handleCast(_ request: Term) {
        guard case .tuple(let parts) = request, let tag = parts.first?.atomValue else {
            return unexpected("handle_cast", request)
        }
        switch (tag.text, parts.count) {
        case ("init_connect", 4):
            guard case .atom(let peer) = parts[2] else { return unexpected("handle_cast", request) }
            initConnect(from: peer, version: parts[1])
        case ("lock_set", 5):
            guard case .pid(let locker) = parts[1] else { return unexpected("handle_cast", request) }
            lockSet(by: locker, isSet: parts[2] == .true, tag: parts[4])
        case ("lock_set", 4):
            // A pre-vsn-8 locker quotes no tag: it means the current session, if any.
            guard case .pid(let locker) = parts[1] else { return unexpected("handle_cast", request) }
            lockSet(by: locker, isSet: parts[2] == .true, tag: sessions[locker.node]?.tag)
        case ("exchange", 5):
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_cast", request) }
            exchange(with: peer, tag: parts[4])
        case ("resolved", 7):
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_cast", request) }
            resolved(peer, peerKnown: parts[3], tag: parts[6])
        case ("new_nodes", 6):
            newNodes(Self.nodes(in: parts[4]))
        case ("in_sync", 3):
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_cast", request) }
            inSync(peer)
        case ("async_del_name", 3), ("async_del_lock", 3):
            // Kept by OTP for old nodes; monitors do their work.
            break
        default:
            unexpected("handle_cast", request)
        }
    }

    private mutating func handleCall(_ request: Term, from: Term) {
        let caller: Pid? = if case .tuple(let parts) = from, case .pid(let pid)? = parts.first { pid } else { nil }
        let parts: [Term] = if case .tuple(let parts) = request { parts } else { [request] }
        switch (parts.first?.atomValue?.text, parts.count) {
        case ("set_lock", 2):
            guard let caller, let (resource, requester) = Self.lockID(parts[1]) else {
                return unexpected("handle_call", request)
            }
            reply(to: from, .bool(setLock(resource, requester: requester, holder: caller)))
        case ("del_lock", 2):
            guard let caller, let (resource, requester) = Self.lockID(parts[1]) else {
                return unexpected("handle_call", request)
            }
            deleteLock(resource, requester: requester, holder: caller)
            reply(to: from, .true)
        case ("register", 4), ("register_ext", 5):
            // Another node registers a global name: kvsh keeps no name table, but the
            // registrar waits for every node's yes.
            reply(to: from, .atom("yes"))
        case ("unregister", 2):
            reply(to: from, .ok)
        case ("get_known", 1):
            reply(to: from, .list(known.keys.sorted { $0.text < $1.text }.map(Term.atom)))
        case ("get_synced", 1):
            reply(to: from, .list(synced.map(Term.atom)))
        case ("get_protocol_version", 1):
            reply(to: from, .int(Self.version))
        default:
            // global.erl logs and leaves such a caller waiting; so does this server.
            unexpected("handle_call", request)
        }
    }

    private mutating func handleInfo(_ message: Term) {
        guard case .tuple(let parts) = message, let tag = parts.first?.atomValue else {
            return unexpected("handle_info", message)
        }
        switch (tag.text, parts.count) {
        case ("nodeup", 2):
            // A new connection: a session left from one it replaced is void.
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_info", message) }
            sessions[peer] = nil
            nodeUp(peer)
        case ("nodedown", 2):
            if case .atom(let peer) = parts[1] { nodeDown(peer) }
        case ("init_connect_ack", 4):
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_info", message) }
            initConnectAcknowledged(by: peer, ourTag: parts[2], peerTag: parts[3])
        case ("cancel_connect", 3):
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_info", message) }
            if sessions[peer]?.tag == parts[2] { restart(peer) }
        case ("extra_nodedown", 2):
            if case .atom(let peer) = parts[1] { nodeDown(peer) }
        case ("lost_connection", 5):
            // This node does not police partitions itself: see the type's comment.
            break
        case ("remove_connection", 2):
            guard case .atom(let peer) = parts[1] else { return unexpected("handle_info", message) }
            removeConnection(to: peer)
        case (Atom.down.text, 5):
            if case .reference(let ref) = parts[1] { holderDied(ref) }
        default:
            unexpected("handle_info", message)
        }
    }

    /// global.erl's words for a message it does not know; the message is dropped.
    private func unexpected(_ callback: String, _ message: Term) {
        let arguments = callback == "handle_call" ? "\(message.inspect()), _, _" : "\(message.inspect()), _"
        node.log("[warning] The global_name_server received an unexpected message:\n\(callback)(\(arguments))")
    }

    // MARK: - Connect sessions

    /// A visible node connected: open a session with `init_connect`, unless the node is synced
    /// already (it was introduced by a third node) or a session is open.
    private mutating func nodeUp(_ peer: Atom) {
        guard peer != node.name, known[peer] == nil, sessions[peer] == nil else { return }
        let tag = Term.int(nextTag)
        nextTag += 1
        sessions[peer] = Session(tag: tag)
        let knownMap = Term.map(known.map { (Term.atom($0.key), Term.int($0.value)) })
        let locker = Term.tuple([.atom("locker"), .atom("no_longer_a_pid"), knownMap, .pid(process.pid)])
        cast(.tuple([.atom("init_connect"), .tuple([.int(Self.version), tag]), .atom(node.name), locker]), to: peer)
    }

    private mutating func nodeDown(_ peer: Atom) {
        sessions[peer] = nil
        known[peer] = nil
        synced.removeAll { $0 == peer }
    }

    /// A BEAM node that lost its connection to a node we share asks us to drop ours to it, so
    /// that no node is in two partitions (OTP's `prevent_overlapping_partitions`). Its `global`
    /// has stopped counting us; left up, our connection would make its `:global.sync()` wait.
    private mutating func removeConnection(to peer: Atom) {
        guard known[peer] != nil || sessions[peer] != nil else { return }
        nodeDown(peer)
        guard node.remoteRouter?.disconnect(peer) == true else { return }
        node.log("[warning] 'global' at node \(Term.atom(node.name).inspect()) disconnected node \(Term.atom(peer).inspect()) in order to prevent overlapping partitions")
    }

    /// The peer opens its side of the session. One that comes before our `nodeup` opens ours.
    /// Its locker's pid comes again in its `lock_set`, where this node needs it.
    private mutating func initConnect(from peer: Atom, version: Term) {
        guard case .tuple(let versionParts) = version, versionParts.count >= 2,
              case .int(let peerVersion) = versionParts[0], peerVersion >= 6 else {
            node.log("[info] Illegal global protocol version \(version.inspect()) Node: \(Term.atom(peer).inspect())")
            return
        }
        if sessions[peer] == nil {
            guard node.remoteRouter?.connectedNodes.contains(peer) == true else { return }
            known[peer] = nil
            nodeUp(peer)
        }
        guard var session = sessions[peer] else { return }
        if session.peerTag != versionParts[1] {
            // The peer restarted its side: what it said in the old one no longer counts.
            session = Session(tag: session.tag, peerTag: versionParts[1], peerVersion: min(peerVersion, Self.version))
        }
        sessions[peer] = session
        send(.tuple([.atom("init_connect_ack"), .atom(node.name), versionParts[1], session.tag]), to: peer)
    }

    /// The peer's check that both sides agree on the session's tags.
    private mutating func initConnectAcknowledged(by peer: Atom, ourTag: Term, peerTag: Term) {
        guard let session = sessions[peer], session.tag != ourTag || session.peerTag != peerTag else { return }
        send(.tuple([.atom("cancel_connect"), .atom(node.name), peerTag]), to: peer)
        restart(peer)
    }

    /// Drops a session the peer cancelled and opens a new one, unless the node is synced.
    private mutating func restart(_ peer: Atom) {
        sessions[peer] = nil
        if node.remoteRouter?.connectedNodes.contains(peer) == true { nodeUp(peer) }
    }

    /// The peer's locker has locked its side and this node: answer whether ours agrees. It does
    /// unless another session holds the `global` lock here.
    private mutating func lockSet(by locker: Pid, isSet: Bool, tag: Term?) {
        let peer = locker.node
        guard isSet, var session = sessions[peer], session.tag == tag, let peerTag = session.peerTag else { return }
        let free: Bool = if let lock = locks[.atom("global")] {
            lock.requester.properList?.contains(.pid(locker)) == true
        } else {
            true
        }
        cast(.tuple([.atom("lock_set"), .pid(process.pid), .bool(free), knownList, peerTag]), to: peer)
        guard free else { return }
        session.peerLocker = locker
        sessions[peer] = session
        cast(.tuple([.atom("exchange"), .atom(node.name), .emptyList, .emptyList, peerTag]), to: peer)
    }

    /// The peer's name table: kvsh keeps none, so nothing of it needs resolving here.
    private mutating func exchange(with peer: Atom, tag: Term) {
        guard var session = sessions[peer], session.tag == tag, session.peerLocker != nil,
              let peerTag = session.peerTag else { return }
        cast(.tuple([.atom("resolved"), .atom(node.name), .emptyList, knownList, .atom("unused"), .emptyList, peerTag]),
             to: peer)
        session.sentResolved = true
        sessions[peer] = session
        if let peerKnown = session.peerKnown { synced(with: peer, peerKnown: peerKnown) }
    }

    private mutating func resolved(_ peer: Atom, peerKnown: Term, tag: Term) {
        guard var session = sessions[peer], session.tag == tag else { return }
        guard session.sentResolved else {
            session.peerKnown = peerKnown
            sessions[peer] = session
            return
        }
        synced(with: peer, peerKnown: peerKnown)
    }

    /// The session is over: the peer and the nodes it knows join ours, the nodes we knew hear
    /// of them (`new_nodes`), and we connect to those of theirs we did not know.
    private mutating func synced(with peer: Atom, peerKnown: Term) {
        let version = sessions.removeValue(forKey: peer)?.peerVersion ?? Self.version
        var newNodes: [(Atom, Int)] = [(peer, version)]
        newNodes += Self.nodes(in: peerKnown).filter { $0.0 != node.name }
        let lockID = Term.tuple([.atom("global"), locks[.atom("global")]?.requester ?? .emptyList])
        let announcement = Term.tuple([
            .atom("new_nodes"), .atom(node.name), .emptyList, .emptyList,
            .list(newNodes.map { Term.tuple([.atom($0.0), .int($0.1)]) }),
            .list([.tuple([.atom("vsn"), .int(version)]), .tuple([.atom("lock"), lockID])]),
        ])
        for (other, otherVersion) in known where otherVersion >= 7 { cast(announcement, to: other) }
        syncOthers(Self.nodes(in: peerKnown).map(\.0).filter { $0 != node.name && known[$0] == nil && $0 != peer })
        for (other, otherVersion) in newNodes where known[other] == nil { known[other] = otherVersion }
        if !synced.contains(peer) { synced.append(peer) }
    }

    /// A synced node introduces nodes it has just synced with.
    private mutating func newNodes(_ nodes: [(Atom, Int)]) {
        let added = nodes.filter { $0.0 != node.name && known[$0.0] == nil }
        for (other, version) in added { known[other] = version }
        syncOthers(added.map(\.0))
    }

    /// Another node counts us as synced (it learned of us through a third node).
    private mutating func inSync(_ peer: Atom) {
        sessions[peer] = nil
        if !synced.contains(peer) { synced.append(peer) }
    }

    /// global.erl's `sync_others`: connect to each node and tell it we are in sync.
    private func syncOthers(_ nodes: [Atom]) {
        guard !nodes.isEmpty, let router = node.remoteRouter else { return }
        let me = process.pid
        let localNode = node
        let local = node.name
        for other in nodes {
            Task {
                if await router.connect(to: other) {
                    router.send(
                        .tuple([.atom("$gen_cast"), .tuple([.atom("in_sync"), .atom(local), .true])]),
                        toName: Self.name, on: other, from: me)
                } else {
                    localNode.log("[warning] 'global' at \(local.text) failed to connect to \(other.text)")
                    localNode.send(.tuple([.atom("extra_nodedown"), .atom(other)]), to: me)
                }
            }
        }
    }

    // MARK: - Locks

    /// `{ResourceId, LockRequesterId}`.
    private static func lockID(_ term: Term) -> (Term, Term)? {
        guard case .tuple(let parts) = term, parts.count == 2 else { return nil }
        return (parts[0], parts[1])
    }

    /// A resource is free, or locked by the same requester: the holder joins. Otherwise false.
    private mutating func setLock(_ resource: Term, requester: Term, holder: Pid) -> Bool {
        if var lock = locks[resource] {
            guard lock.requester == requester else { return false }
            if lock.holders[holder] == nil { lock.holders[holder] = node.monitor(process, holder) }
            locks[resource] = lock
        } else {
            locks[resource] = Lock(requester: requester, holders: [holder: node.monitor(process, holder)])
        }
        return true
    }

    private mutating func deleteLock(_ resource: Term, requester: Term, holder: Pid) {
        guard var lock = locks[resource], lock.requester == requester,
              let ref = lock.holders.removeValue(forKey: holder) else { return }
        _ = node.demonitor(process, ref)
        locks[resource] = lock.holders.isEmpty ? nil : lock
    }

    /// A holder died (or its node went): its locks go.
    private mutating func holderDied(_ ref: Reference) {
        for (resource, var lock) in locks {
            guard let holder = lock.holders.first(where: { $0.value == ref })?.key else { continue }
            lock.holders[holder] = nil
            locks[resource] = lock.holders.isEmpty ? nil : lock
        }
    }

    // MARK: - Sending

    /// Our known nodes as `[{node, vsn}]`, as vsn 7+ peers take them.
    private var knownList: Term {
        .list(known.sorted { $0.key.text < $1.key.text }.map { Term.tuple([.atom($0.key), .int($0.value)]) })
    }

    /// Nodes from a known list: `node` or `{node, vsn}` entries (an unknown version is 0).
    private static func nodes(in list: Term) -> [(Atom, Int)] {
        (list.properList ?? []).compactMap { entry in
            switch entry {
            case .atom(let name): return (name, 0)
            case .tuple(let parts) where parts.count == 2:
                guard case .atom(let name) = parts[0], case .int(let version) = parts[1] else { return nil }
                return (name, version)
            default: return nil
            }
        }
    }

    private func cast(_ request: Term, to peer: Atom) {
        send(.tuple([.atom("$gen_cast"), request]), to: peer)
    }

    /// Only over a live connection: a session belongs to one connection, and a send to a node
    /// that just went would dial it again (a message in flight when `Node.disconnect` ran
    /// reconnected the nodes behind the user's back).
    private func send(_ message: Term, to peer: Atom) {
        guard let router = node.remoteRouter, router.connectedNodes.contains(peer) else { return }
        router.send(message, toName: Self.name, on: peer, from: process.pid)
    }

    private func reply(to from: Term, _ value: Term) {
        GenServer.reply(to: from, value, by: process)
    }
}
