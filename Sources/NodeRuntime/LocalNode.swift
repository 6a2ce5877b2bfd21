import ETF
import Foundation
import Synchronization

/// This node: its name, its processes, their registered names, and where signals for other nodes go.
public final class LocalNode: Sendable {
    public let name: Atom
    /// Tells pids of this incarnation from those of an earlier one with the same name.
    public let creation: UInt32
    /// Where processes run: a `Scheduler` of its own, or (for a distributed node) the network
    /// thread, so a message from the wire wakes its process without a thread handoff.
    public let scheduler: any TaskExecutor
    let timers = Timers()

    private let processes = Mutex<[UInt64: Process]>([:])
    private let names = Mutex<[Atom: Pid]>([:])
    /// Active aliases (`alias/0`): a reference that delivers to its owner while active.
    private let aliases = Mutex<[Reference: Pid]>([:])
    private let nextProcess = Atomic<UInt64>(0)
    private let nextReference = Atomic<UInt64>(0)
    private let referenceSalt: UInt32
    private let hooks = Mutex<Hooks>(Hooks())

    struct Hooks {
        var remote: (any RemoteSignalRouter)?
        var runner: (any CodeRunner)?
        var crashLog: @Sendable (String) -> Void = { text in
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// - Parameters:
    ///   - name: `foo@host`, or `nonode@nohost` for a node that is not distributed.
    ///   - creation: from the port mapper when distributed; 0 for `nonode@nohost`, as on the BEAM.
    ///   - firstProcessNumber: where pid numbers start, so early pids look like the BEAM's.
    public init(name: Atom = .nonode, creation: UInt32 = 0, scheduler: any TaskExecutor = Scheduler(), firstProcessNumber: UInt64 = 64) {
        self.name = name
        self.creation = creation
        self.scheduler = scheduler
        nextProcess.store(firstProcessNumber, ordering: .relaxed)
        referenceSalt = UInt32.random(in: 1...UInt32.max)
    }

    /// Where crash reports of processes go (stderr by default; the shell prints them on its terminal).
    public func setCrashLog(_ log: @escaping @Sendable (String) -> Void) {
        hooks.withLock { $0.crashLog = log }
    }

    /// Plugs in the distribution layer: signals for pids of other nodes go through it.
    public func setRemoteRouter(_ router: any RemoteSignalRouter) {
        hooks.withLock { $0.remote = router }
    }

    /// The distribution layer, when this node is distributed.
    public var remoteRouter: (any RemoteSignalRouter)? { hooks.withLock { $0.remote } }

    /// Plugs in what runs `{m, f, args}` for spawn requests from other nodes (the interpreter).
    public func setCodeRunner(_ runner: any CodeRunner) {
        hooks.withLock { $0.runner = runner }
    }

    public var codeRunner: (any CodeRunner)? { hooks.withLock { $0.runner } }

    /// Writes a line to the node's log (stderr unless the shell redirected crash reports).
    public func log(_ text: String) {
        hooks.withLock { $0.crashLog }(text)
    }

    // MARK: - Identifiers

    private func makePid() -> Pid {
        let number = nextProcess.wrappingAdd(1, ordering: .relaxed).oldValue
        return Pid(node: name, id: UInt32(number & 0x0FFF_FFFF), serial: UInt32(truncatingIfNeeded: number >> 28), creation: creation)
    }

    /// A new unique reference (`make_ref/0`).
    public func makeReference() -> Reference {
        let number = nextReference.wrappingAdd(1, ordering: .relaxed).oldValue
        return Reference(node: name, creation: creation, words: [
            UInt32(number & 0x3FFFF), UInt32(truncatingIfNeeded: number >> 18), referenceSalt,
        ])
    }

    public func isLocal(_ pid: Pid) -> Bool { pid.node == name && pid.creation == creation }

    private static func key(_ pid: Pid) -> UInt64 { UInt64(pid.serial) << 32 | UInt64(pid.id) }

    /// The live local process behind `pid`, if any.
    public func process(_ pid: Pid) -> Process? {
        guard isLocal(pid) else { return nil }
        return processes.withLock { $0[Self.key(pid)] }
    }

    public var processCount: Int { processes.withLock { $0.count } }

    // MARK: - Spawning

    public struct SpawnOptions: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let link = SpawnOptions(rawValue: 1)
        public static let monitor = SpawnOptions(rawValue: 2)
    }

    /// Starts a process running `body`.
    ///
    /// Normal return ends it with reason `:normal`; a thrown `ExitReasonProviding` error ends it with
    /// that error's reason (logged when it has a crash report); any other error with `{:error, text}`.
    /// - Parameters:
    ///   - monitorReference: the reference of the `.monitor`, when the caller needs it before the
    ///     child runs (a task replies with it); a new one otherwise.
    ///   - parent: the spawning process: it is linked and/or monitors the new one per `options`,
    ///     and lends its group leader unless `groupLeader` is given.
    /// - Returns: the new pid, and the monitor reference when `options` has `.monitor`.
    @discardableResult
    public func spawn(
        parent: Process? = nil,
        options: SpawnOptions = [],
        groupLeader: Pid? = nil,
        monitorReference: Reference? = nil,
        _ body: @escaping @Sendable (Process) async throws -> Void
    ) -> (pid: Pid, monitor: Reference?) {
        let pid = makePid()
        let leader = groupLeader ?? parent?.groupLeader ?? pid
        let process = Process(pid: pid, node: self, groupLeader: leader)
        processes.withLock { $0[Self.key(pid)] = process }
        var monitor: Reference?
        if let parent {
            if options.contains(.link) {
                process.shared.withLock { _ = $0.links.insert(parent.pid) }
                parent.shared.withLock { _ = $0.links.insert(pid) }
            }
            if options.contains(.monitor) {
                let ref = monitorReference ?? makeReference()
                process.shared.withLock { $0.watchers[ref] = parent.pid }
                parent.shared.withLock { $0.monitors[ref] = .pid(pid) }
                monitor = ref
            }
        }
        Task(executorPreference: scheduler) {
            await self.run(process, body)
        }
        return (pid, monitor)
    }

    /// Starts a process for a spawn request from another node: `parent` is a pid there, linked to
    /// and/or monitoring the new process per `options` (the monitor's reference is the request's).
    /// - Parameter beforeStart: runs with the new pid before the process does, so the spawn reply
    ///   goes out ahead of anything the process sends.
    @discardableResult
    public func spawn(
        remoteParent parent: Pid,
        options: SpawnOptions,
        groupLeader: Pid,
        monitorReference: Reference,
        beforeStart: (Pid) -> Void = { _ in },
        _ body: @escaping @Sendable (Process) async throws -> Void
    ) -> Pid {
        let pid = makePid()
        let process = Process(pid: pid, node: self, groupLeader: groupLeader)
        process.shared.withLock { state in
            if options.contains(.link) { state.links.insert(parent) }
            if options.contains(.monitor) { state.watchers[monitorReference] = parent }
        }
        processes.withLock { $0[Self.key(pid)] = process }
        beforeStart(pid)
        Task(executorPreference: scheduler) {
            await self.run(process, body)
        }
        return pid
    }

    private func run(_ process: Process, _ body: @Sendable (Process) async throws -> Void) async {
        let reason: Term
        do {
            try await body(process)
            reason = .atom(.normal)
        } catch let exit as any ExitReasonProviding {
            reason = exit.exitReason
            if let report = exit.crashReport {
                let header = "[error] Process \(Term.pid(process.pid).inspect()) raised an exception"
                hooks.withLock { $0.crashLog }(header + "\n" + report)
            }
        } catch {
            reason = .tuple([.error, .string(String(describing: error))])
        }
        terminate(process, reason: reason)
    }

    /// Ends a process: wakes nobody any more, sends exit signals along its links and `:DOWN` to
    /// its watchers, forgets its name and the monitors it held.
    private func terminate(_ process: Process, reason: Term) {
        let state = process.shared.withLock { state -> Process.SharedState in
            state.alive = false
            let snapshot = state
            state.incoming.removeAll()
            state.links.removeAll()
            state.watchers.removeAll()
            state.monitors.removeAll()
            return snapshot
        }
        processes.withLock { _ = $0.removeValue(forKey: Self.key(process.pid)) }
        if !state.aliases.isEmpty {
            aliases.withLock { table in for alias in state.aliases { table.removeValue(forKey: alias) } }
        }
        if let name = state.registeredName { names.withLock { _ = $0.removeValue(forKey: name) } }
        for linked in state.links {
            signal(linked, .exit(from: process.pid, reason: reason, link: true))
        }
        for (ref, watcher) in state.watchers {
            signal(watcher, .down(ref: ref, of: .pid(process.pid), reason: reason))
        }
        for (ref, target) in state.monitors {
            if case .pid(let watched) = target { signal(watched, .demonitor(from: process.pid, ref: ref)) }
        }
    }

    // MARK: - Signals

    /// Delivers a signal to a pid of this node or, through the distribution layer, of another.
    public func signal(_ pid: Pid, _ signal: Signal) {
        guard isLocal(pid) else {
            if let remote = hooks.withLock({ $0.remote }) {
                remote.route(signal, to: pid)
            } else {
                undeliverable(signal, to: pid)
            }
            return
        }
        guard let target = process(pid) else {
            undeliverable(signal, to: pid)
            return
        }
        switch signal {
        case .message(let message):
            target.deliver(message)
        case let .exit(from, reason, link):
            target.receiveExitSignal(from: from, reason: reason, link: link)
        case .link(let from):
            let linked = target.shared.withLock { state -> Bool in
                guard state.alive else { return false }
                state.links.insert(from)
                return true
            }
            if !linked { undeliverable(signal, to: pid) }
        case .unlink(let from):
            target.shared.withLock { _ = $0.links.remove(from) }
        case let .monitor(from, ref):
            let added = target.shared.withLock { state -> Bool in
                guard state.alive else { return false }
                state.watchers[ref] = from
                return true
            }
            if !added { undeliverable(signal, to: pid) }
        case let .demonitor(_, ref):
            target.shared.withLock { _ = $0.watchers.removeValue(forKey: ref) }
        case let .down(ref, _, reason):
            // What was watched is told by the watcher's own record: `{name, node}` for a monitor
            // by name, whatever form the other side reports it in.
            if let watched = target.shared.withLock({ $0.monitors.removeValue(forKey: ref) }) {
                removeAlias(ref, of: target)
                target.deliver(.tuple([.atom(.down), .reference(ref), .atom(.process), watched, reason]))
            }
        case .groupLeader(let leader):
            target.groupLeader = leader
        }
    }

    /// What a signal to a process that does not exist turns into: a link or monitor to it answers
    /// `:noproc` at once, as on the BEAM; messages and other signals vanish.
    public func undeliverable(_ signal: Signal, to pid: Pid) {
        switch signal {
        case .link(let from):
            self.signal(from, .exit(from: pid, reason: .atom(.noproc), link: true))
        case let .monitor(from, ref):
            self.signal(from, .down(ref: ref, of: .pid(pid), reason: .atom(.noproc)))
        default:
            break
        }
    }

    /// Sends a message to a pid (`send/2`).
    public func send(_ message: Term, to pid: Pid) {
        if isLocal(pid), let target = processes.withLock({ $0[Self.key(pid)] }) {
            target.deliver(message)
        } else if !isLocal(pid) {
            signal(pid, .message(message))
        }
    }

    // MARK: - Aliases

    /// A new alias for `process` (`alias/0`): messages sent to it reach the process until it is
    /// deactivated or the process ends. gen_server calls from OTP 24+ wait for replies this way.
    public func makeAlias(for process: Process) -> Reference {
        let ref = makeReference()
        process.shared.withLock { _ = $0.aliases.insert(ref) }
        aliases.withLock { $0[ref] = process.pid }
        return ref
    }

    /// `unalias/1`: later messages to the alias are dropped.
    public func removeAlias(_ alias: Reference, of process: Process) {
        guard process.shared.withLock({ $0.aliases.remove(alias) }) != nil else { return }
        aliases.withLock { _ = $0.removeValue(forKey: alias) }
    }

    /// The process an active alias of this node delivers to.
    public func aliasOwner(_ alias: Reference) -> Pid? {
        aliases.withLock { $0[alias] }
    }

    /// Sends to an alias, of this node or another; an inactive alias drops the message.
    public func send(_ message: Term, toAlias alias: Reference, from: Pid) {
        if alias.node == name {
            if let owner = aliasOwner(alias) { send(message, to: owner) }
        } else {
            remoteRouter?.send(message, toAlias: alias, from: from)
        }
    }

    // MARK: - Registered names

    public enum RegistrationError: Error, Equatable {
        case nameTaken(Atom)
        case alreadyRegistered(Atom)
        case notAlive
    }

    /// Registers `name` for a live local process (`Process.register/2`).
    public func register(_ name: Atom, _ pid: Pid) throws(RegistrationError) {
        guard let target = process(pid) else { throw .notAlive }
        try names.withLock { table throws(RegistrationError) in
            if table[name] != nil { throw .nameTaken(name) }
            let previous: Atom? = target.shared.withLock { state in
                if let existing = state.registeredName { return existing }
                state.registeredName = name
                return nil
            }
            if let previous { throw .alreadyRegistered(previous) }
            table[name] = pid
        }
    }

    public func unregister(_ name: Atom) -> Bool {
        guard let pid = names.withLock({ $0.removeValue(forKey: name) }) else { return false }
        process(pid)?.shared.withLock { $0.registeredName = nil }
        return true
    }

    public func whereis(_ name: Atom) -> Pid? { names.withLock { $0[name] } }

    public var registeredNames: [Atom] { names.withLock { Array($0.keys) } }

    // MARK: - Monitors and links from a process

    /// Links `process` with `other` (`Process.link/1`).
    public func link(_ process: Process, to other: Pid) {
        guard other != process.pid else { return }
        process.shared.withLock { _ = $0.links.insert(other) }
        signal(other, .link(from: process.pid))
    }

    public func unlink(_ process: Process, from other: Pid) {
        process.shared.withLock { _ = $0.links.remove(other) }
        signal(other, .unlink(from: process.pid))
    }

    /// `Process.monitor/1` of a pid; a dead or unknown pid answers `:DOWN … :noproc` at once.
    /// - Parameter alias: the reference is also an alias of `process` until the monitor ends
    ///   (demonitor or `:DOWN`), as `monitor(process, pid, [{alias, demonitor}])`: a reply sent
    ///   to it after a call gave up is dropped instead of lingering in the mailbox.
    public func monitor(_ process: Process, _ target: Pid, alias: Bool = false) -> Reference {
        let ref = makeMonitorReference(for: process, alias: alias)
        process.shared.withLock { $0.monitors[ref] = .pid(target) }
        signal(target, .monitor(from: process.pid, ref: ref))
        return ref
    }

    /// `Process.monitor/1` of a registered name, on this node or (`node`) another.
    public func monitor(_ process: Process, name: Atom, node: Atom? = nil, alias: Bool = false) -> Reference {
        let ref = makeMonitorReference(for: process, alias: alias)
        let node = node ?? self.name
        let target = Term.tuple([.atom(name), .atom(node)])
        process.shared.withLock { $0.monitors[ref] = target }
        if node != self.name {
            if let remote = remoteRouter {
                remote.monitor(name: name, on: node, from: process.pid, ref: ref)
            } else {
                signal(process.pid, .down(ref: ref, of: target, reason: .atom(.noconnection)))
            }
            return ref
        }
        if let pid = whereis(name), let watched = self.process(pid) {
            let added = watched.shared.withLock { state -> Bool in
                guard state.alive else { return false }
                state.watchers[ref] = process.pid
                return true
            }
            if added { return ref }
        }
        signal(process.pid, .down(ref: ref, of: target, reason: .atom(.noproc)))
        return ref
    }

    private func makeMonitorReference(for process: Process, alias: Bool) -> Reference {
        guard alias else { return makeReference() }
        return makeAlias(for: process)
    }

    /// `Process.demonitor/1`: true when the monitor was active. Deactivates the monitor's alias.
    @discardableResult
    public func demonitor(_ process: Process, _ ref: Reference) -> Bool {
        removeAlias(ref, of: process)
        guard let target = process.shared.withLock({ $0.monitors.removeValue(forKey: ref) }) else { return false }
        switch target {
        case .pid(let pid): signal(pid, .demonitor(from: process.pid, ref: ref))
        case .tuple(let parts):
            guard let name = parts.first?.atomValue, let node = parts.last?.atomValue else { break }
            if node != self.name {
                remoteRouter?.demonitor(name: name, on: node, from: process.pid, ref: ref)
            } else if let pid = whereis(name) {
                signal(pid, .demonitor(from: process.pid, ref: ref))
            }
        default: break
        }
        return true
    }

    /// Records a monitor `process` holds on `target` (a pid or `{name, node}`) that another party
    /// set up: a spawn request with `:monitor`, whose reference is the request's.
    public func recordMonitor(held holder: Pid, ref: Reference, on target: Term) {
        process(holder)?.shared.withLock { state in
            if state.alive { state.monitors[ref] = target }
        }
    }

    // MARK: - Connections lost

    /// A connection to `node` went down: links to its processes break with `:noconnection`,
    /// monitors of its processes and names fire `:DOWN … :noconnection`, and monitors its
    /// processes held on ours are forgotten, as the BEAM does at `nodedown`.
    public func connectionLost(to node: Atom) {
        let all = processes.withLock { Array($0.values) }
        for process in all {
            let (brokenLinks, firedMonitors) = process.shared.withLock { state -> ([Pid], [(Reference, Term)]) in
                let links = state.links.filter { $0.node == node }
                for pid in links { state.links.remove(pid) }
                state.watchers = state.watchers.filter { $0.value.node != node }
                let monitors = state.monitors.filter { Self.isOn(node, $0.value) }
                return (Array(links), monitors.map { ($0.key, $0.value) })
            }
            for pid in brokenLinks {
                process.receiveExitSignal(from: pid, reason: .atom(.noconnection), link: false, broken: true)
            }
            for (ref, target) in firedMonitors {
                signal(process.pid, .down(ref: ref, of: target, reason: .atom(.noconnection)))
            }
        }
    }

    private static func isOn(_ node: Atom, _ target: Term) -> Bool {
        switch target {
        case .pid(let pid): pid.node == node
        case .tuple(let parts): parts.last == .atom(node)
        default: false
        }
    }

    /// `Process.exit/2`.
    public func exit(_ pid: Pid, reason: Term, from: Pid) {
        signal(pid, .exit(from: from, reason: reason, link: false))
    }

    // MARK: - Timers

    /// Delivers `message` to `pid` after `milliseconds` (`Process.send_after/3`); returns a timer id.
    public func sendAfter(_ milliseconds: Int, _ message: Term, to pid: Pid) -> UInt64 {
        timers.schedule(afterNanoseconds: UInt64(max(milliseconds, 0)) * 1_000_000) { [self] in
            send(message, to: pid)
        }
    }

    public func cancelTimer(_ id: UInt64) -> Int? {
        let remaining = timers.remainingMilliseconds(id)
        return timers.cancel(id) ? (remaining ?? 0) : nil
    }
}

/// Signals between processes, as the distribution protocol names them.
public enum Signal: Sendable {
    case message(Term)
    case exit(from: Pid, reason: Term, link: Bool)
    case link(from: Pid)
    case unlink(from: Pid)
    case monitor(from: Pid, ref: Reference)
    case demonitor(from: Pid, ref: Reference)
    /// `of` is what was watched: a pid, or `{name, node}`.
    case down(ref: Reference, of: Term, reason: Term)
    case groupLeader(Pid)
}

/// The distribution layer, as the node core sees it. The core never speaks the wire protocol;
/// the `Distribution` module implements this with real connections.
public protocol RemoteSignalRouter: Sendable {
    /// A signal for a pid of another node; dropped (or answered `:noconnection`) when the node
    /// cannot be reached, as on the BEAM.
    func route(_ signal: Signal, to pid: Pid)
    /// `send({name, node}, message)`.
    func send(_ message: Term, toName name: Atom, on node: Atom, from: Pid)
    /// A message to an alias of a process on another node (`ALIAS_SEND`).
    func send(_ message: Term, toAlias alias: Reference, from: Pid)
    /// Monitors a registered name on another node; `:DOWN` arrives as a `.down` signal.
    func monitor(name: Atom, on node: Atom, from: Pid, ref: Reference)
    func demonitor(name: Atom, on node: Atom, from: Pid, ref: Reference)
    /// Asks `node` to spawn `module.function(arguments)`. The answer arrives in `from`'s mailbox
    /// as `{:spawn_reply, id, :ok, pid}` or `{:spawn_reply, id, :error, reason}`, after the link
    /// and monitor (reference `id`) that `options` asks for are in place.
    func spawnRequest(
        on node: Atom, id: Reference, from: Pid, groupLeader: Pid,
        module: Atom, function: Atom, arguments: [Term], options: LocalNode.SpawnOptions)
    /// `Node.connect/1`: true once connected (at once when connected already).
    func connect(to node: Atom) async -> Bool
    /// `Node.disconnect/1`: false when there was no connection.
    func disconnect(_ node: Atom) -> Bool
    /// `Node.list/0`: the nodes connected now.
    var connectedNodes: [Atom] { get }
    /// `Node.monitor/2`: `pid` receives `{:nodedown, node}` when the connection goes (at once when
    /// there is none and none can be made).
    func monitorNode(_ node: Atom, by pid: Pid, enable: Bool)
}

/// Runs `{module, function, arguments}` inside a process, for spawn requests from other nodes and
/// for tasks and routed calls that name a function: the interpreter, which owns the module table.
public protocol CodeRunner: Sendable {
    /// - Returns: the function's value.
    /// - Throws: an `ExitReasonProviding` error carrying the BEAM's exit reason when the call fails.
    @discardableResult
    func apply(_ module: Atom, _ function: Atom, _ arguments: [Term], in process: Process) async throws -> Term
}
