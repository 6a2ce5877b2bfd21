import ETF

/// gen_server's message protocol, as OTP and Elixir speak it, for servers written in Swift
/// (net_kernel, the KV registry, buckets, task supervisors) and their callers.
public enum GenServer {
    /// `{:"$gen_call", from, request}`: a call, with the `from` to reply to.
    public static func call(in message: Term) -> (from: Term, request: Term)? {
        guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom(.genCall) else { return nil }
        return (parts[1], parts[2])
    }

    /// `{:"$gen_cast", request}`.
    public static func cast(in message: Term) -> Term? {
        guard case .tuple(let parts) = message, parts.count == 2, parts[0] == .atom(.genCast) else { return nil }
        return parts[1]
    }

    /// `GenServer.reply/2`: `{tag, value}` to the caller, or to its alias when the tag is
    /// `[:alias | ref]` (OTP 24+ callers wait on an alias, so a late reply is dropped).
    public static func reply(to from: Term, _ value: Term, by process: Process) {
        guard case .tuple(let parts) = from, parts.count == 2, case .pid(let caller) = parts[0] else { return }
        let tag = parts[1]
        let message = Term.tuple([tag, value])
        if case .cons(let cell) = tag, cell.head == .atom(.alias), case .reference(let alias) = cell.tail {
            process.node.send(message, toAlias: alias, from: process.pid)
        } else {
            process.node.send(message, to: caller)
        }
    }
}

// MARK: - The client side

extension GenServer {
    /// Where a call or cast goes: a pid, a name registered on this node, or `{name, node}`.
    public enum Server: Sendable, Equatable {
        case pid(Pid)
        case name(Atom)
        case named(Atom, node: Atom)

        /// Elixir's server forms; nil for any other term (`{:global, _}` and `{:via, _, _}` included).
        public init?(_ term: Term) {
            switch term {
            case .pid(let pid): self = .pid(pid)
            case .atom(let name): self = .name(name)
            case .tuple(let parts) where parts.count == 2:
                guard case .atom(let name) = parts[0], case .atom(let node) = parts[1] else { return nil }
                self = .named(name, node: node)
            default: return nil
            }
        }

        public var term: Term {
            switch self {
            case .pid(let pid): .pid(pid)
            case .name(let name): .atom(name)
            case let .named(name, node): .tuple([.atom(name), .atom(node)])
            }
        }

        /// `GenServer.whereis/1`: the pid of a server of this node, `{name, node}` for one of
        /// another, nil when no process has the name.
        public func whereis(on node: LocalNode) -> Term? {
            switch self {
            case .pid(let pid): return .pid(pid)
            case .name(let name): return node.whereis(name).map(Term.pid)
            case let .named(name, other):
                guard other == node.name else { return term }
                return node.whereis(name).map(Term.pid)
            }
        }
    }

    /// A call that failed, with the reason `gen:call` exits with (`:noproc`, `:timeout`,
    /// `{:nodedown, node}`, `:calling_self` or the server's own exit reason) and what the call
    /// was, so the process exits as Elixir's `GenServer.call/3` makes it:
    /// `{reason, {GenServer, :call, [server, request, timeout]}}`.
    public struct CallError: Error, ExitReasonProviding, Equatable {
        public let reason: Term
        public let server: Term
        public let request: Term
        public let timeout: Term

        public var exitReason: Term {
            .tuple([reason, .tuple([.atom("Elixir.GenServer"), .atom("call"), .list([server, request, timeout])])])
        }

        public var crashReport: String? { nil }
    }

    /// `GenServer.call/3` from `process`, as OTP 25's `gen:do_call`: the caller monitors the
    /// server with a monitor whose reference is also its alias, and sends
    /// `{:"$gen_call", {self, [:alias | mref]}, request}`. The server answers
    /// `{[:alias | mref], reply}` to that alias; a `:DOWN` first means the server is gone. On
    /// timeout the demonitor deactivates the alias, so a reply that comes later is dropped.
    /// - Throws: `CallError`.
    public static func call(
        _ server: Server, _ request: Term, timeout: Process.Timeout = .milliseconds(5000), from process: Process
    ) async throws -> Term {
        let node = process.node
        let failure = { (reason: Term) in
            CallError(reason: reason, server: server.term, request: request, timeout: timeout.term)
        }
        let mref: Reference
        let deliver: (Term) -> Void
        switch server {
        case let .named(name, other) where other != node.name:
            // Elixir's `GenServer.whereis/1` leaves a remote name alone: gen monitors it by name.
            mref = node.monitor(process, name: name, node: other, alias: true)
            deliver = { message in
                if let router = node.remoteRouter { router.send(message, toName: name, on: other, from: process.pid) }
            }
        default:
            guard case .pid(let pid)? = server.whereis(on: node) else { throw failure(.atom(.noproc)) }
            guard pid != process.pid else { throw failure(.atom("calling_self")) }
            mref = node.monitor(process, pid, alias: true)
            deliver = { node.send($0, to: pid) }
        }
        let tag = Term.cons(Cons(.atom(.alias), .reference(mref)))
        deliver(.tuple([.atom(.genCall), .tuple([.pid(process.pid), tag]), request]))
        enum Outcome { case reply(Term), down(Term) }
        let match = { (message: Term) -> Outcome? in
            guard case .tuple(let parts) = message else { return nil }
            if parts.count == 2, parts[0] == tag { return .reply(parts[1]) }
            if parts.count == 5, parts[0] == .atom(.down), parts[1] == .reference(mref) { return .down(parts[4]) }
            return nil
        }
        switch try await process.receive(timeout: timeout, match) {
        case .reply(let value)?:
            await demonitorFlushing(mref, in: process)
            return value
        case .down(let reason)?:
            if reason == .atom(.noconnection), let lost = server.node(on: node) {
                throw failure(.tuple([.atom(.nodedown), .atom(lost)]))
            }
            throw failure(reason)
        case nil:
            await demonitorFlushing(mref, in: process)
            // A reply that arrived before the alias went is still taken, as gen does.
            if case .reply(let value)? = try await process.receive(timeout: .milliseconds(0), match) { return value }
            throw failure(.atom(.timeout))
        }
    }

    /// `GenServer.cast/2`: `{:"$gen_cast", request}` sent and forgotten; never fails, whether
    /// the server exists or not.
    public static func cast(_ server: Server, _ request: Term, from process: Process) {
        let node = process.node
        let message = Term.tuple([.atom(.genCast), request])
        switch server {
        case let .named(name, other) where other != node.name:
            node.remoteRouter?.send(message, toName: name, on: other, from: process.pid)
        default:
            if case .pid(let pid)? = server.whereis(on: node) { node.send(message, to: pid) }
        }
    }

    /// `demonitor(mref, [:flush])`: ends the monitor and drops a `:DOWN` it already delivered.
    public static func demonitorFlushing(_ mref: Reference, in process: Process) async {
        process.node.demonitor(process, mref)
        _ = try? await process.receive(timeout: .milliseconds(0)) { message -> Bool? in
            guard case .tuple(let parts) = message, parts.count == 5, parts[0] == .atom(.down),
                  parts[1] == .reference(mref) else { return nil }
            return true
        }
    }
}

extension GenServer.Server {
    /// The node a call goes to, for `{:nodedown, node}`.
    func node(on local: LocalNode) -> Atom? {
        switch self {
        case .pid(let pid): pid.node
        case .name: local.name
        case .named(_, let node): node
        }
    }
}

extension Process.Timeout {
    /// `:infinity` or the milliseconds, as a call's arguments show it.
    public var term: Term {
        switch self {
        case .infinity: .atom(.infinity)
        case .milliseconds(let ms): .int(ms)
        }
    }
}
