import ETF
import Testing
@testable import NodeRuntime

/// Runs `{m, f, args}` as the interpreter would: `{:ran, f, args, $callers}`, a crash for
/// `:crash`, and for `:report` a message `{:ran, args}` to the pid in `args`.
private struct FakeRunner: CodeRunner {
    struct Crash: ExitReasonProviding {
        var exitReason: Term { .atom("crashed") }
        var crashReport: String? { nil }
    }

    func apply(_ module: Atom, _ function: Atom, _ arguments: [Term], in process: Process) async throws -> Term {
        switch function.text {
        case "crash": throw Crash()
        case "report":
            if case .pid(let to)? = arguments.first { process.node.send(.tuple([.atom("ran"), .list(arguments)]), to: to) }
            return .ok
        default:
            return .tuple([.atom("ran"), .atom(function), .list(arguments), process.dictionary[.atom("$callers")] ?? .nil])
        }
    }
}

private func node() -> LocalNode {
    let node = LocalNode(scheduler: sharedScheduler)
    node.setCodeRunner(FakeRunner())
    node.setCrashLog { _ in }
    return node
}

/// Runs `body` as a process of `node` and waits for it.
private func inProcess(on node: LocalNode, _ body: @escaping @Sendable (Process) async throws -> Void) async throws {
    let outcome: Result<Void, any Error> = await withCheckedContinuation { done in
        node.spawn { process in
            do {
                try await body(process)
                done.resume(returning: .success(()))
            } catch {
                done.resume(returning: .failure(error))
            }
        }
    }
    try outcome.get()
}

@Suite struct TaskSupervisorProtocolTests {
    @Test func startTaskByRawMessages() async throws {
        let node = node()
        let sup = try TaskSupervisor.start(on: node, name: Atom("sup"))
        try await inProcess(on: node) { me in
            let owner = Term.tuple([.atom(node.name), .pid(me.pid), .pid(me.pid)])
            let request = Term.tuple([.atom("start_task"), .list([owner, .atom("monitor")]), .atom("temporary"), .nil])
            let reply = try await GenServer.call(.name(Atom("sup")), request, timeout: .infinity, from: me)
            guard case .tuple(let parts) = reply, parts.count == 2, parts[0] == .ok, case .pid(let task) = parts[1] else {
                Issue.record("start_task answered \(reply.inspect())")
                return
            }
            let ref = node.monitor(me, task, alias: true)
            let mfa = Term.tuple([.atom("m"), .atom("f"), .list([.int(1)])])
            node.send(.tuple([.pid(me.pid), .reference(ref), .reference(ref), .list([.pid(me.pid)]), mfa]), to: task)
            let answer = try await me.receive(timeout: .milliseconds(5000))
            #expect(answer == .tuple([.reference(ref), .tuple([.atom("ran"), .atom("f"), .list([.int(1)]), .list([.pid(me.pid)])])]))
            let down = try await me.receive(timeout: .milliseconds(5000))
            #expect(down == .tuple([.atom(.down), .reference(ref), .atom(.process), .pid(task), .atom(.normal)]))
            // start_child's form runs at once, and nobody is answered.
            let child = Term.tuple([.atom("start_task"), .list([owner, .list([.pid(me.pid)]), .tuple([.atom("m"), .atom("report"), .list([.pid(me.pid)])])]), .nil, .nil])
            _ = try await GenServer.call(.pid(sup), child, timeout: .infinity, from: me)
            let reported = try await me.receive(timeout: .milliseconds(5000))
            #expect(reported == .tuple([.atom("ran"), .list([.pid(me.pid)])]))
            let nonsense = try await GenServer.call(.pid(sup), .tuple([.atom("start_task"), .int(1), .nil, .nil]), from: me)
            #expect(nonsense == .tuple([.error, .tuple([.atom("invalid_start_task"), .int(1)])]))
        }
    }

    @Test func aTaskWhoseOwnerDiesFirstShutsDown() async throws {
        let node = node()
        let sup = try TaskSupervisor.start(on: node)
        try await inProcess(on: node) { me in
            let parent = me.pid
            node.spawn { owner in
                let request = Term.tuple([
                    .atom("start_task"), .list([SupervisedTask.owner(owner), .atom("monitor")]), .atom("temporary"), .nil,
                ])
                let reply = try await GenServer.call(.pid(sup), request, from: owner)
                node.send(reply, to: parent)
            }
            guard case .tuple(let reply)? = try await me.receive(timeout: .milliseconds(5000)), case .pid(let task) = reply[1] else {
                Issue.record("no task")
                return
            }
            let ref = node.monitor(me, task)
            let down = try await me.receive(timeout: .milliseconds(5000))
            let reason = Term.tuple([.atom("shutdown"), .atom(.normal)])
            // The task may already be gone when the monitor is set: `:noproc` then.
            #expect(down == .tuple([.atom(.down), .reference(ref), .atom(.process), .pid(task), reason])
                || down == .tuple([.atom(.down), .reference(ref), .atom(.process), .pid(task), .atom(.noproc)]))
        }
    }

    @Test func clientAsyncAwaitAndFailures() async throws {
        let node = node()
        _ = try TaskSupervisor.start(on: node, name: Atom("sup"))
        #expect(throws: TaskSupervisor.StartError.self) { try TaskSupervisor.start(on: node, name: Atom("sup")) }
        try await inProcess(on: node) { me in
            let task = try await AsyncTask.async(supervisor: .name(Atom("sup")), Atom("m"), Atom("f"), [], link: false, from: me)
            #expect(task.mfa == .tuple([.atom("m"), .atom("f"), .int(0)]))
            #expect(AsyncTask(task.term) == task)
            let result = try await task.await(in: me)
            #expect(result == .tuple([.atom("ran"), .atom("f"), .emptyList, .list([.pid(me.pid)])]))
            let crash = try await AsyncTask.async(supervisor: .name(Atom("sup")), Atom("m"), Atom("crash"), [], link: false, from: me)
            await #expect(throws: TaskExit(reason: .atom("crashed"), function: Atom("await"), arguments: [crash.term, .int(5000)])) {
                try await crash.await(in: me)
            }
            let local = AsyncTask.async(Atom("m"), Atom("g"), [.int(2)], from: me)
            let many = try await AsyncTask.awaitMany([local], in: me)
            #expect(many == [.tuple([.atom("ran"), .atom("g"), .list([.int(2)]), .list([.pid(me.pid)])])])
            let children = try await GenServer.call(.name(Atom("sup")), .atom("which_children"), from: me)
            #expect(children == .emptyList)
            #expect(me.messageQueueLength == 0)
        }
    }
}
