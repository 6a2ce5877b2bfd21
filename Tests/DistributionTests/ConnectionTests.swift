import ETF
import Foundation
import NodeRuntime
import Testing
@testable import Distribution

/// Real nodes over loopback: connecting on demand, the connection table, what a lost connection
/// does to links and monitors, simultaneous connects, and refused or impossible connections.
@Suite struct ConnectionTests {
    // MARK: - Two nodes

    @Test func theFirstMessageToANameConnects() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a1@localhost")
        let b = try await cluster.node("b1@localhost")
        let inbox = try b.collector(named: "inbox")
        let sender = try a.collector()
        #expect(a.kernel.connectedNodes.isEmpty)

        a.send(.atom("hello"), toName: "inbox", on: b, from: sender.pid)

        #expect(await inbox.waitFor { $0 == [.atom("hello")] })
        #expect(a.kernel.connectedNodes == [b.name])
        #expect(await eventually { b.kernel.connectedNodes == [a.name] })
        #expect(a.log.all.isEmpty && b.log.all.isEmpty)
        await cluster.stop()
    }

    @Test func connectListDisconnectAndReconnect() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a2@localhost")
        let b = try await cluster.node("b2@localhost")

        #expect(await a.kernel.connect(to: b.name))
        #expect(await a.kernel.connect(to: b.name), "connecting to a connected node answers true at once")
        #expect(await a.kernel.connect(to: a.name), "a node is always connected to itself")
        #expect(a.kernel.connectedNodes == [b.name])
        #expect(await eventually { b.kernel.connectedNodes == [a.name] })

        #expect(a.kernel.disconnect(b.name))
        #expect(await eventually { a.kernel.connectedNodes.isEmpty && b.kernel.connectedNodes.isEmpty })
        #expect(!a.kernel.disconnect(b.name), "nothing left to disconnect")

        // Reconnect, from the other side this time, and use the new connection.
        let inbox = try a.collector(named: "inbox")
        #expect(await b.kernel.connect(to: a.name))
        b.send(.atom("again"), toName: "inbox", on: a, from: try b.collector().pid)
        #expect(await inbox.waitFor { $0 == [.atom("again")] })
        #expect(a.kernel.connectedNodes == [b.name] && b.kernel.connectedNodes == [a.name])
        await cluster.stop()
    }

    @Test func messagesSentBeforeAndDuringTheHandshakeArriveInOrder() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a3@localhost")
        let b = try await cluster.node("b3@localhost")
        let inbox = try b.collector(named: "inbox")
        let sender = try a.collector()

        // The first send dials; the rest are spread out so some queue before the connection
        // exists, some while it shakes hands, and the rest go out over it.
        for number in 1...1_000 {
            a.send(.int(number), toName: "inbox", on: b, from: sender.pid)
            if number % 20 == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }

        #expect(await inbox.waitFor { $0.count >= 1_000 })
        let received = inbox.messages
        let firstOutOfOrder = zip(received, 1...1_000).first { $0.0 != .int($0.1) }
        #expect(received.count == 1_000)
        #expect(firstOutOfOrder == nil, "message \(firstOutOfOrder.map { "\($0.0)" } ?? "") arrived in place of \(firstOutOfOrder?.1 ?? 0)")
        await cluster.stop()
    }

    @Test func aLostConnectionBreaksLinksFiresMonitorsAndTellsNodeMonitors() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a4@localhost")
        let b = try await cluster.node("b4@localhost")
        let watcher = try a.collector(trapExit: true)
        let remote = try b.collector(named: "remote", trapExit: true)

        a.node.link(watcher.process, to: remote.pid)
        let ref = a.node.monitor(watcher.process, remote.pid)
        // Signals travel in order: once this arrives, the link and the monitor are in place.
        a.send(.atom("barrier"), toName: "remote", on: b, from: watcher.pid)
        #expect(await remote.waitFor { $0 == [.atom("barrier")] })
        #expect(remote.process.links == [watcher.pid])
        a.kernel.monitorNode(b.name, by: watcher.pid, enable: true)

        #expect(a.kernel.disconnect(b.name))

        let expected: [Term] = [
            .tuple([.atom(.exitTag), .pid(remote.pid), .atom(.noconnection)]),
            .tuple([.atom(.down), .reference(ref), .atom(.process), .pid(remote.pid), .atom(.noconnection)]),
            .tuple([.atom("nodedown"), .atom(b.name)]),
        ]
        #expect(await watcher.waitFor { $0.count >= 3 })
        #expect(Set(watcher.messages) == Set(expected))
        // The other side loses its half of the link too.
        #expect(await remote.waitFor {
            $0.contains(.tuple([.atom(.exitTag), .pid(watcher.pid), .atom(.noconnection)]))
        })
        #expect(watcher.process.links.isEmpty && remote.process.links.isEmpty)
        await cluster.stop()
    }

    @Test func aMonitorOfAMissingRemoteNameAnswersNoproc() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a5@localhost")
        let b = try await cluster.node("b5@localhost")
        let watcher = try a.collector()

        let ref = a.node.monitor(watcher.process, name: Atom("nobody"), node: b.name)

        let down = Term.tuple([
            .atom(.down), .reference(ref), .atom(.process), .tuple([.atom("nobody"), .atom(b.name)]), .atom(.noproc),
        ])
        #expect(await watcher.waitFor { !$0.isEmpty })
        #expect(watcher.messages == [down])
        await cluster.stop()
    }

    @Test func aMessageToADeadRemotePidIsDroppedSilently() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a6@localhost")
        let b = try await cluster.node("b6@localhost")
        let inbox = try b.collector(named: "inbox")
        let sender = try a.collector()
        let dead = b.node.spawn { _ in }.pid
        #expect(await eventually { b.node.process(dead) == nil })

        a.node.send(.atom("into the void"), to: dead)
        a.send(.atom("after"), toName: "inbox", on: b, from: sender.pid)

        #expect(await inbox.waitFor { $0 == [.atom("after")] })
        #expect(a.kernel.connectedNodes == [b.name])
        #expect(a.log.all.isEmpty && b.log.all.isEmpty)
        #expect(sender.messages.isEmpty)
        await cluster.stop()
    }

    // MARK: - Simultaneous connect

    @Test func simultaneousConnectsSettleOnOneConnectionAndLoseNothing() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a7@localhost")
        let b = try await cluster.node("b7@localhost")
        let inboxA = try a.collector(named: "inbox")
        let inboxB = try b.collector(named: "inbox")
        let senderA = try a.collector()
        let senderB = try b.collector()
        let perRound = 20
        // KVSH_SIMULTANEOUS_ROUNDS: more rounds, to hunt a rare interleaving by hand.
        let rounds = ProcessInfo.processInfo.environment["KVSH_SIMULTANEOUS_ROUNDS"].flatMap { Int($0) } ?? 20

        for round in 0..<rounds {
            let numbers = (0..<perRound).map { Term.tuple([.int(round), .int($0)]) }
            let start = StartSignal()
            async let fromA: Void = {
                await start.wait()
                for number in numbers { a.send(number, toName: "inbox", on: b, from: senderA.pid) }
            }()
            async let fromB: Void = {
                await start.wait()
                for number in numbers { b.send(number, toName: "inbox", on: a, from: senderB.pid) }
            }()
            start.fire()
            _ = await (fromA, fromB)

            let arrivedAtB = await inboxB.waitFor { $0.count >= (round + 1) * perRound }
            let arrivedAtA = await inboxA.waitFor { $0.count >= (round + 1) * perRound }
            #expect(arrivedAtA && arrivedAtB, """
                round \(round): \(inboxA.messages.count - round * perRound) arrived at a, \
                \(inboxB.messages.count - round * perRound) at b; logs \(a.log.all) \(b.log.all)
                """)
            guard arrivedAtA && arrivedAtB else { break }
            #expect(Array(inboxB.messages.suffix(perRound)) == numbers, "round \(round)")
            #expect(Array(inboxA.messages.suffix(perRound)) == numbers, "round \(round)")
            #expect(a.kernel.connectedNodes == [b.name], "round \(round)")
            #expect(await eventually { b.kernel.connectedNodes == [a.name] }, "round \(round)")

            #expect(a.kernel.disconnect(b.name))
            #expect(await eventually { a.kernel.connectedNodes.isEmpty && b.kernel.connectedNodes.isEmpty })
        }
        // Losing a simultaneous connect (`nok`, or `alive` answered false) is normal and not logged.
        #expect(a.log.all.isEmpty && b.log.all.isEmpty, "\(a.log.all) \(b.log.all)")
        await cluster.stop()
    }

    // MARK: - Three nodes

    @Test func threeNodesAllConnectedToEachOther() async throws {
        let cluster = try await TestCluster.start()
        var nodes: [TestNode] = []
        for name in ["a8@localhost", "b8@localhost", "c8@localhost"] { nodes.append(try await cluster.node(name)) }
        let inboxes = try nodes.map { try $0.collector(named: "inbox") }

        for sender in nodes {
            let from = try sender.collector().pid
            for receiver in nodes where receiver !== sender {
                sender.send(.tuple([.atom(sender.name), .atom(receiver.name)]), toName: "inbox", on: receiver, from: from)
            }
        }

        for (receiver, inbox) in zip(nodes, inboxes) {
            #expect(await inbox.waitFor { $0.count >= 2 })
            let senders = nodes.filter { $0 !== receiver }
            #expect(Set(inbox.messages) == Set(senders.map { Term.tuple([.atom($0.name), .atom(receiver.name)]) }))
            #expect(await eventually { receiver.kernel.connectedNodes == senders.map(\.name).sorted { $0.text < $1.text } })
        }
        await cluster.stop()
    }

    // MARK: - Refused and impossible connections

    @Test func aWrongCookieIsRefusedAndLogged() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a9@localhost")
        let intruder = try await cluster.node("x9@localhost", cookie: "not-the-cookie")

        let connected = await result(within: .seconds(10)) { await intruder.kernel.connect(to: a.name) }

        #expect(connected == false)
        let line = "** Connection attempt from node :x9@localhost rejected. Invalid challenge reply. **"
        #expect(HandshakeError.invalidChallengeReply(peer: "x9@localhost").logLine == line)
        #expect(await eventually { a.log.all.contains("[error] " + line) }, "\(a.log.all)")
        #expect(a.kernel.connectedNodes.isEmpty && intruder.kernel.connectedNodes.isEmpty)
        await cluster.stop()
    }

    @Test(arguments: ["nosuch@localhost", "nosuch@nonexistent.invalid", "no-at-sign"])
    func connectingToANodeThatDoesNotExistAnswersFalse(target: String) async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a10@localhost")
        let sender = try a.collector()

        let connected = await result(within: .seconds(10)) { await a.kernel.connect(to: Atom(target)) }

        #expect(connected == false)
        #expect(a.kernel.connectedNodes.isEmpty)
        // Signals queued for it answer as for an unreachable node; the node goes on.
        let ref = a.node.monitor(sender.process, name: Atom("inbox"), node: Atom(target))
        #expect(await sender.waitFor { $0.count == 1 })
        #expect(sender.messages == [.tuple([
            .atom(.down), .reference(ref), .atom(.process), .tuple([.atom("inbox"), .atom(Atom(target))]),
            .atom(.noconnection),
        ])])
        #expect(try await a.stillServes(in: cluster, probe: "p10"))
        await cluster.stop()
    }
}
