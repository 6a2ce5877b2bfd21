import ETF
import Testing
@testable import NodeRuntime

/// Runs `body` as a process on a fresh node and waits for it to finish.
func inProcess(_ body: @escaping @Sendable (LocalNode, NodeRuntime.Process) async throws -> Void) async throws {
    let node = LocalNode(scheduler: sharedScheduler)
    let outcome: Result<Void, any Error> = await withCheckedContinuation { done in
        node.spawn { process in
            do {
                try await body(node, process)
                done.resume(returning: .success(()))
            } catch {
                done.resume(returning: .failure(error))
            }
        }
    }
    try outcome.get()
}

let sharedScheduler = Scheduler(threads: 2)

@Suite struct ProcessTests {
    @Test func messagesArriveInOrder() async throws {
        try await inProcess { node, me in
            for i in 0..<100 { node.send(.int(i), to: me.pid) }
            for i in 0..<100 {
                let message = try await me.receive()
                #expect(message == .int(i))
            }
        }
    }

    @Test func selectiveReceiveLeavesOtherMessagesInOrder() async throws {
        try await inProcess { node, me in
            node.send(.atom("a"), to: me.pid)
            node.send(.atom("b"), to: me.pid)
            node.send(.atom("c"), to: me.pid)
            let b = try await me.receive { $0 == .atom("b") ? $0 : nil }
            #expect(b == .atom("b"))
            #expect(me.drainMailbox() == [.atom("a"), .atom("c")])
        }
    }

    @Test func receiveTimesOut() async throws {
        try await inProcess { _, me in
            let start = ContinuousClock.now
            let nothing = try await me.receive(timeout: .milliseconds(50))
            #expect(nothing == nil)
            #expect(ContinuousClock.now - start >= .milliseconds(45))
            let none = try await me.receive(timeout: .milliseconds(0))
            #expect(none == nil)
        }
    }

    @Test func aMessageWakesAWaitingReceiver() async throws {
        try await inProcess { node, me in
            let parent = me.pid
            node.spawn { child in
                let message = try await child.receive()
                node.send(.tuple([.atom("echo"), message ?? .nil]), to: parent)
            }
            let child = try #require(node.whereisLast(except: me.pid))
            node.send(.int(7), to: child)
            let echo = try await me.receive(timeout: .milliseconds(2000))
            #expect(echo == .tuple([.atom("echo"), .int(7)]))
        }
    }

    @Test func linkedCrashKillsAndTrapExitTurnsItIntoAMessage() async throws {
        try await inProcess { node, me in
            me.trapExit = true
            let child = node.spawn(parent: me, options: .link) { _ in
                throw ProcessExit(reason: .atom("boom"))
            }.pid
            let exit = try await me.receive(timeout: .milliseconds(2000))
            #expect(exit == .tuple([.atom("EXIT"), .pid(child), .atom("boom")]))
        }
    }

    @Test func exitSignalKillsAProcessWaitingInReceive() async throws {
        try await inProcess { node, me in
            let (victim, ref) = node.spawn(parent: me, options: .monitor) { process in
                _ = try await process.receive()
            }
            node.exit(victim, reason: .atom("stop"), from: me.pid)
            let down = try await me.receive(timeout: .milliseconds(2000))
            let monitor = try #require(ref)
            #expect(down == .tuple([.atom("DOWN"), .reference(monitor), .atom("process"), .pid(victim), .atom("stop")]))
        }
    }

    @Test func killIsUntrappable() async throws {
        try await inProcess { node, me in
            let (victim, ref) = node.spawn(parent: me, options: .monitor) { process in
                process.trapExit = true
                while true { _ = try await process.receive() }
            }
            try await Task.sleep(for: .milliseconds(20))
            node.exit(victim, reason: .atom("kill"), from: me.pid)
            let down = try await me.receive(timeout: .milliseconds(2000))
            let monitor = try #require(ref)
            #expect(down == .tuple([.atom("DOWN"), .reference(monitor), .atom("process"), .pid(victim), .atom("killed")]))
        }
    }

    @Test func monitorOfADeadProcessAnswersNoproc() async throws {
        try await inProcess { node, me in
            let dead = node.spawn { _ in }.pid
            while node.process(dead) != nil { try await Task.sleep(for: .milliseconds(1)) }
            let ref = node.monitor(me, dead)
            let down = try await me.receive(timeout: .milliseconds(2000))
            #expect(down == .tuple([.atom("DOWN"), .reference(ref), .atom("process"), .pid(dead), .atom("noproc")]))
        }
    }

    @Test func normalExitDoesNotKillLinkedProcesses() async throws {
        try await inProcess { node, me in
            _ = node.spawn(parent: me, options: .link) { _ in }
            let none = try await me.receive(timeout: .milliseconds(100))
            #expect(none == nil)
            #expect(me.isAlive)
        }
    }

    @Test func registeredNamesFollowTheProcess() async throws {
        try await inProcess { node, me in
            let (pid, ref) = node.spawn(parent: me, options: .monitor) { process in
                _ = try await process.receive()
            }
            try node.register(Atom("worker"), pid)
            #expect(throws: LocalNode.RegistrationError.nameTaken(Atom("worker"))) { try node.register(Atom("worker"), me.pid) }
            #expect(node.whereis(Atom("worker")) == pid)
            node.send(.ok, to: pid)
            _ = try await me.receive { $0 == .tuple([.atom("DOWN"), .reference(ref!), .atom("process"), .pid(pid), .atom("normal")]) ? $0 : nil }
            #expect(node.whereis(Atom("worker")) == nil)
        }
    }

    @Test func sendAfterDeliversLater() async throws {
        try await inProcess { node, me in
            let start = ContinuousClock.now
            _ = node.sendAfter(30, .atom("tick"), to: me.pid)
            let tick = try await me.receive(timeout: .milliseconds(5000))
            #expect(tick == .atom("tick"))
            #expect(ContinuousClock.now - start >= .milliseconds(29))
        }
    }

    @Test func manyProcessesAllFinish() async throws {
        try await inProcess { node, me in
            for i in 0..<10_000 {
                node.spawn { child in node.send(.int(i), to: me.pid) }
            }
            var sum = 0
            for _ in 0..<10_000 {
                if case .int(let i) = try await me.receive() { sum += i }
            }
            #expect(sum == (0..<10_000).reduce(0, +))
        }
    }
}

extension LocalNode {
    /// The most recently spawned live process other than `pid` (tests only).
    func whereisLast(except pid: Pid) -> Pid? {
        var best: Pid?
        for id in stride(from: Int(pid.id) + 8, to: Int(pid.id), by: -1) {
            let candidate = Pid(node: name, id: UInt32(id), serial: 0, creation: creation)
            if process(candidate) != nil { best = candidate; break }
        }
        return best
    }
}

@Suite struct SelectiveReceiveTests {
    @Test func anUnmatchedMessageDoesNotStopATimeout() async throws {
        try await inProcess { node, me in
            node.send(.atom("other"), to: me.pid)
            let wanted = try await me.receive(timeout: .milliseconds(50)) { $0 == .atom("wanted") ? $0 : nil }
            #expect(wanted == nil)
            #expect(me.messageQueueLength == 1)
        }
    }
}
