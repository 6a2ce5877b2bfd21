import DequeModule
import ETF
import Synchronization

/// An Erlang process: a pid, a mailbox with selective receive, links, monitors and a group leader.
///
/// The body runs as a Swift task on the node's `Scheduler`. Other processes (and other nodes) only
/// ever touch `shared`, under its lock: they append messages, add links and monitors, and post
/// exit signals. Everything else belongs to the process's own task.
public final class Process: @unchecked Sendable {
    // Safe to share: `shared` is a Mutex; `inbox`, `dictionary` and `reductions` are touched only by this process's own task, which runs one job at a time.
    public let pid: Pid
    public let node: LocalNode
    let shared: Mutex<SharedState>

    /// Messages taken from `shared.incoming` and not yet received, in arrival order.
    private var inbox = Deque<Term>()
    /// The process dictionary (`Process.put/get`).
    public var dictionary: [Term: Term] = [:]
    private var reductions = 0

    struct SharedState {
        var incoming = Deque<Term>()
        var waiter: UnsafeContinuation<Void, Never>?
        /// A timer fired while the process was not yet waiting: its next wait returns at once.
        var wakeRequested = false
        var links = Set<Pid>()
        /// Monitors other processes hold on this one: reference → watcher.
        var watchers: [Reference: Pid] = [:]
        /// Monitors this process holds: reference → what it watches (a pid, or `{name, node}`).
        var monitors: [Reference: Term] = [:]
        var trapExit = false
        /// An exit signal this process must obey at its next receive or checkpoint.
        var pendingExit: Term?
        var alive = true
        var groupLeader: Pid
        var registeredName: Atom?
        var aliases = Set<Reference>()
    }

    init(pid: Pid, node: LocalNode, groupLeader: Pid) {
        self.pid = pid
        self.node = node
        shared = Mutex(SharedState(groupLeader: groupLeader))
    }

    // MARK: - Receiving

    /// How long a receive waits.
    public enum Timeout: Sendable, Equatable {
        case infinity
        case milliseconds(Int)
    }

    /// Selective receive: the first message in arrival order that `match` accepts, removed from
    /// the mailbox; messages it refuses stay, in order. Returns nil when `timeout` passes first.
    /// - Throws: `ProcessExit` when an exit signal kills this process while it waits.
    public func receive<T>(timeout: Timeout = .infinity, _ match: (Term) throws -> T?) async throws -> T? {
        var scanned = 0
        let deadline: UInt64? = switch timeout {
        case .infinity: nil
        case .milliseconds(let ms): monotonicNanoseconds() &+ UInt64(max(ms, 0)) &* 1_000_000
        }
        var timer: UInt64?
        defer { if let timer { node.timers.cancel(timer) } }
        while true {
            while scanned < inbox.count {
                if let result = try match(inbox[scanned]) {
                    inbox.remove(at: scanned)
                    return result
                }
                scanned += 1
            }
            if try takeIncoming() { continue }
            if let deadline {
                if monotonicNanoseconds() >= deadline { return nil }
                if timer == nil { timer = scheduleWake(at: deadline) }
            }
            await waitForSignal()
        }
    }

    /// Receives the next message, whatever it is.
    public func receive(timeout: Timeout = .infinity) async throws -> Term? {
        try await receive(timeout: timeout) { $0 }
    }

    /// Moves newly arrived messages into the inbox; false when there were none.
    /// - Throws: `ProcessExit` for a pending exit signal.
    private func takeIncoming() throws -> Bool {
        let before = inbox.count
        let reason: Term? = shared.withLock { state in
            if let reason = state.pendingExit { return reason }
            if inbox.isEmpty {
                swap(&inbox, &state.incoming)
            } else {
                inbox.append(contentsOf: state.incoming)
                state.incoming.removeAll(keepingCapacity: true)
            }
            return nil
        }
        if let reason { throw ProcessExit(reason: reason) }
        return inbox.count > before
    }

    private func waitForSignal() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let ready = shared.withLock { state -> Bool in
                if !state.incoming.isEmpty || state.pendingExit != nil || state.wakeRequested {
                    state.wakeRequested = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func scheduleWake(at deadline: UInt64) -> UInt64 {
        let now = monotonicNanoseconds()
        return node.timers.schedule(afterNanoseconds: deadline > now ? deadline - now : 0) { [weak self] in
            self?.wake()
        }
    }

    /// Resumes the process waiting in `receive`, or makes its next wait return at once.
    func wake() {
        let waiter = shared.withLock { state in
            defer { state.waiter = nil }
            if state.waiter == nil { state.wakeRequested = true }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Counts work done; every so often lets other processes run and obeys pending exit signals.
    /// Long-running code (the evaluator) calls this once per function call or loop step.
    public func checkpoint() async throws {
        reductions &+= 1
        guard reductions & 0x7FF == 0 else { return }
        if let reason = shared.withLock({ $0.pendingExit }) { throw ProcessExit(reason: reason) }
        await Task.yield()
    }

    /// Obeys a pending exit signal now (after signalling oneself, as `Process.exit(self(), r)` does).
    public func checkpointNow() throws {
        if let reason = shared.withLock({ $0.pendingExit }) { throw ProcessExit(reason: reason) }
    }

    /// How many messages wait in the mailbox.
    public var messageQueueLength: Int {
        inbox.count + shared.withLock { $0.incoming.count }
    }

    /// Empties the mailbox, returning every message in arrival order (iex's `flush()`).
    public func drainMailbox() -> [Term] {
        _ = try? takeIncoming()
        defer { inbox.removeAll() }
        return Array(inbox)
    }

    // MARK: - Delivery (called by any thread)

    /// Appends a message; wakes the process if it waits. Messages to a dead process are dropped.
    func deliver(_ message: Term) {
        let waiter = shared.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard state.alive else { return nil }
            state.incoming.append(message)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// An exit signal from `from`, through a link (`link: true`) or `Process.exit/2`.
    /// `broken`: a link the runtime broke itself (a lost connection), already removed from `links`.
    func receiveExitSignal(from: Pid, reason: Term, link: Bool, broken: Bool = false) {
        let link = link || broken
        let waiter = shared.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard state.alive, state.pendingExit == nil else { return nil }
            if link && !broken { guard state.links.remove(from) != nil else { return nil } }
            let isKill = !link && reason == .atom(.kill)
            if isKill {
                state.pendingExit = .atom(.killed)
            } else if state.trapExit {
                state.incoming.append(.tuple([.atom(.exitTag), .pid(from), reason]))
            } else if reason == .atom(.normal) {
                // A normal exit signal kills only the process that sends it to itself.
                guard from == pid, !link else { return nil }
                state.pendingExit = reason
            } else {
                state.pendingExit = reason
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    public var trapExit: Bool {
        get { shared.withLock { $0.trapExit } }
        set { shared.withLock { $0.trapExit = newValue } }
    }

    public var groupLeader: Pid {
        get { shared.withLock { $0.groupLeader } }
        set { shared.withLock { $0.groupLeader = newValue } }
    }

    public var isAlive: Bool { shared.withLock { $0.alive } }

    public var registeredName: Atom? { shared.withLock { $0.registeredName } }

    public var links: [Pid] { shared.withLock { Array($0.links) } }
}

/// Thrown inside a process to end it with `reason` (an exit signal it obeyed, or `exit/1`).
public struct ProcessExit: Error, ExitReasonProviding {
    public let reason: Term
    public init(reason: Term) { self.reason = reason }
    public var exitReason: Term { reason }
    public var crashReport: String? { nil }
}

/// An error that ends a process knows its exit reason, and whether the node should log it
/// (`[error] Process #PID<0.120.0> raised an exception`).
public protocol ExitReasonProviding: Error {
    var exitReason: Term { get }
    var crashReport: String? { get }
}
