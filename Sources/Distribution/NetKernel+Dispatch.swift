import ETF
import NodeRuntime

extension NetKernel {
    /// Acts on a control message from `peer`: it becomes a signal to one of our processes.
    /// A message naming a pid that is not ours is dropped: a peer cannot make us forward.
    func dispatch(_ message: ControlMessage, from peer: Atom, over connection: Connection) {
        switch message {
        case let .send(to, term), let .sendSender(_, to, term):
            if node.isLocal(to) { node.send(term, to: to) }
        case let .regSend(_, name, term):
            if let pid = node.whereis(name) { node.send(term, to: pid) }
        case let .aliasSend(_, alias, term):
            if let owner = node.aliasOwner(alias) { node.send(term, to: owner) }
        case let .link(from, to):
            local(to) { node.signal(to, .link(from: from)) }
        case let .unlink(from, to):
            local(to) { node.signal(to, .unlink(from: from)) }
        case let .unlinkID(id, from, to):
            local(to) { node.signal(to, .unlink(from: from)) }
            connection.send(.unlinkIDAck(id: id, from: to, to: from))
        case .unlinkIDAck:
            break
        case let .exit(from, to, reason):
            local(to) { node.signal(to, .exit(from: from, reason: reason, link: true)) }
        case let .exit2(from, to, reason):
            local(to) { node.signal(to, .exit(from: from, reason: reason, link: false)) }
        case let .groupLeader(from, to):
            local(to) { node.signal(to, .groupLeader(from)) }
        case let .monitor(from, target, ref):
            monitorRequest(from: from, target: target, ref: ref, over: connection)
        case let .demonitor(from, target, ref):
            noteNameMonitor(ref, name: nil)
            if let pid = resolve(target) { node.signal(pid, .demonitor(from: from, ref: ref)) }
        case let .monitorExit(target, to, ref, reason):
            let watched: Term = switch target {
            case .pid(let pid): .pid(pid)
            case .name(let name): .tuple([.atom(name), .atom(peer)])
            }
            local(to) { node.signal(to, .down(ref: ref, of: watched, reason: reason)) }
        case let .spawnRequest(id, from, groupLeader, module, function, arity, options, arguments):
            spawnRequested(
                id: id, from: from, groupLeader: groupLeader, mfa: (module, function, arity),
                options: options, arguments: arguments, over: connection)
        case let .spawnReply(id, to, flags, result):
            spawnReplied(id: id, to: to, flags: flags, result: result)
        }
    }

    /// A signal whose term kvsh could not hold: a spawn request is refused with `:system_limit`
    /// (its requester waits for an answer); anything else is dropped.
    func refuseTooDeep(_ message: ControlMessage, over connection: Connection) {
        guard case let .spawnRequest(id, from, _, _, _, _, _, _) = message else { return }
        connection.send(.spawnReply(id: id, to: from, flags: [], result: .atom("system_limit")))
    }

    private func local(_ pid: Pid, _ action: () -> Void) {
        if node.isLocal(pid) { action() }
    }

    private func resolve(_ target: MonitorTarget) -> Pid? {
        switch target {
        case .pid(let pid): node.isLocal(pid) ? pid : nil
        case .name(let name): node.whereis(name)
        }
    }

    /// A monitor from another node; a name nobody holds answers `:noproc` at once.
    private func monitorRequest(from: Pid, target: MonitorTarget, ref: Reference, over connection: Connection) {
        guard let pid = resolve(target) else {
            connection.send(.monitorExit(target: target, to: from, ref: ref, reason: .atom(.noproc)))
            return
        }
        if case .name(let name) = target { noteNameMonitor(ref, name: name) }
        node.signal(pid, .monitor(from: from, ref: ref))
    }

    // MARK: - Spawning for other nodes

    private func spawnRequested(
        id: Reference, from: Pid, groupLeader: Pid, mfa: (Atom, Atom, Int),
        options: Term, arguments: Term, over connection: Connection
    ) {
        let (module, function, arity) = mfa
        var spawnOptions: LocalNode.SpawnOptions = []
        var replyFlags: SpawnReplyFlags = []
        guard let args = arguments.properList, args.count == arity, let optionList = options.properList else {
            connection.send(.spawnReply(id: id, to: from, flags: [], result: .atom("badarg")))
            return
        }
        for option in optionList {
            if option == .atom(.link) { spawnOptions.insert(.link); replyFlags.insert(.link) }
            if option == .atom(.monitor) { spawnOptions.insert(.monitor); replyFlags.insert(.monitor) }
        }
        guard let runner = node.codeRunner else {
            connection.send(.spawnReply(id: id, to: from, flags: [], result: .atom("notsup")))
            return
        }
        node.spawn(
            remoteParent: from, options: spawnOptions, groupLeader: groupLeader, monitorReference: id,
            beforeStart: { pid in connection.send(.spawnReply(id: id, to: from, flags: replyFlags, result: .pid(pid))) }
        ) { process in
            try await runner.apply(module, function, args, in: process)
        }
    }

    /// The answer to our spawn request: set up the link and monitor the request asked for, then
    /// tell the requester.
    private func spawnReplied(id: Reference, to: Pid, flags: SpawnReplyFlags, result: Term) {
        guard node.isLocal(to) else { return }
        guard case .pid(let pid) = result else {
            node.send(.tuple([.atom("spawn_reply"), .reference(id), .error, result]), to: to)
            return
        }
        if flags.contains(.link) { node.signal(to, .link(from: pid)) }
        if flags.contains(.monitor) { node.recordMonitor(held: to, ref: id, on: .pid(pid)) }
        node.send(.tuple([.atom("spawn_reply"), .reference(id), .ok, .pid(pid)]), to: to)
    }
}
