import ETF
import NodeRuntime

extension Registry {
    /// `KV.Registry.create/2`: asks the registry's process for the bucket named `name`, started if
    /// missing, and waits for its pid. Creation goes through the process so that two concurrent
    /// creates of one name give one bucket.
    /// - Parameter caller: the process that waits (its mailbox receives the reply).
    /// - Throws: `RegistryError.callFailed` when the registry is gone or does not answer in time.
    public func create(_ name: [UInt8], by caller: Process, timeout: Process.Timeout = .milliseconds(5000)) async throws -> Pid {
        let request = Term.tuple([.atom(.create), .binary(name)])
        let reply = try await call(request, by: caller, timeout: timeout)
        guard case .pid(let bucket) = reply else { throw RegistryError.unexpectedReply(request: request, reply: reply) }
        return bucket
    }

    /// `GenServer.call/3` to the registry: the reply comes to an alias of `caller`, so one that
    /// arrives after a timeout is dropped rather than left in its mailbox.
    private func call(_ request: Term, by caller: Process, timeout: Process.Timeout) async throws -> Term {
        let node = caller.node
        let monitor = node.monitor(caller, pid)
        let alias = node.makeAlias(for: caller)
        let tag = Term.list([.atom("alias")], tail: .reference(alias))
        node.send(.tuple([.atom(.genCall), .tuple([.pid(caller.pid), tag]), request]), to: pid)
        enum Outcome { case reply(Term), down(Term) }
        let outcome = try await caller.receive(timeout: timeout) { message -> Outcome? in
            guard case .tuple(let parts) = message else { return nil }
            if parts.count == 2, parts[0] == tag { return .reply(parts[1]) }
            if parts.count == 5, parts[0] == .atom(.down), parts[1] == .reference(monitor) { return .down(parts[4]) }
            return nil
        }
        node.removeAlias(alias, of: caller)
        switch outcome {
        case .reply(let value)?:
            if !node.demonitor(caller, monitor) {
                // The registry ended just after replying: its `:DOWN` is already in the mailbox.
                _ = try await caller.receive(timeout: .milliseconds(0)) { message -> Term? in
                    guard case .tuple(let parts) = message, parts.count == 5, parts[0] == .atom(.down), parts[1] == .reference(monitor) else { return nil }
                    return message
                }
            }
            return value
        case .down(let reason)?:
            throw RegistryError.callFailed(request: request, reason: reason)
        case nil:
            node.demonitor(caller, monitor)
            throw RegistryError.callFailed(request: request, reason: .atom("timeout"))
        }
    }
}
