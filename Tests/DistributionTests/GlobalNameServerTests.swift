import ETF
import NodeRuntime
import Testing
@testable import Distribution

/// kvsh's `global_name_server` against a scripted BEAM side: node `b`'s own server is replaced
/// by a collector that plays OTP 25's `global` and keeps what kvsh's server (on `a`) sends it.
@Suite struct GlobalNameServerTests {
    private static func cast(_ request: Term) -> Term { .tuple([.atom("$gen_cast"), request]) }

    /// The request of the first `$gen_cast` the collector got whose tag is `tag`.
    private static func cast(_ tag: String, in messages: [Term]) -> [Term]? {
        for message in messages {
            guard case .tuple(let outer) = message, outer.count == 2, outer[0] == .atom("$gen_cast"),
                  case .tuple(let request) = outer[1], request.first == .atom(tag) else { continue }
            return request
        }
        return nil
    }

    @Test func aSessionRunsToSyncedAndIntroducesThePeersNodes() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("aglobal@localhost")
        let b = try await cluster.node("bglobal@localhost")
        _ = b.node.unregister(GlobalNameServer.name)
        let beam = try b.collector(named: GlobalNameServer.name.text)
        let aName = Term.atom(a.name), bName = Term.atom(b.name)
        func toA(_ message: Term) { b.kernel.send(message, toName: GlobalNameServer.name, on: a.name, from: beam.pid) }

        #expect(await b.kernel.connect(to: a.name))
        // a opens its side of the session: {:init_connect, {8, tag}, a, {:locker, :no_longer_a_pid, known, locker}}.
        #expect(await beam.waitFor { Self.cast("init_connect", in: $0) != nil })
        let initConnect = try #require(Self.cast("init_connect", in: beam.messages))
        guard case .tuple(let version) = initConnect[1], case .tuple(let locker) = initConnect[3],
              case .pid(let aLocker) = locker[3] else { Issue.record("init_connect: \(initConnect)"); return }
        #expect(version[0] == .int(8))
        #expect(initConnect[2] == aName)
        #expect(locker[0] == .atom("locker"))
        let aTag = version[1]

        // Ours; a acknowledges with both tags.
        let bTag = Term.int(4242)
        toA(Self.cast(.tuple([.atom("init_connect"), .tuple([.int(8), bTag]), bName,
                              .tuple([.atom("locker"), .atom("no_longer_a_pid"), .emptyList, .pid(beam.pid)])])))
        #expect(await beam.waitFor { $0.contains(.tuple([.atom("init_connect_ack"), aName, bTag, aTag])) })

        // b's locker locks a (a gen_server call), then says so; a agrees and sends its names.
        let lockID = Term.tuple([.atom("global"), .list([.pid(aLocker), .pid(beam.pid)])])
        let caller = try b.collector()
        let ref = b.node.makeReference()
        b.kernel.send(.tuple([.atom("$gen_call"), .tuple([.pid(caller.pid), .reference(ref)]), .tuple([.atom("set_lock"), lockID])]),
                      toName: GlobalNameServer.name, on: a.name, from: caller.pid)
        #expect(await caller.waitFor { $0 == [.tuple([.reference(ref), .true])] })
        toA(Self.cast(.tuple([.atom("lock_set"), .pid(beam.pid), .true, .emptyList, aTag])))
        #expect(await beam.waitFor {
            $0.contains(Self.cast(.tuple([.atom("lock_set"), .pid(aLocker), .true, .emptyList, bTag])))
                && $0.contains(Self.cast(.tuple([.atom("exchange"), aName, .emptyList, .emptyList, bTag])))
        })

        // b's names; a resolves nothing and says so; b's `resolved` names a third node.
        toA(Self.cast(.tuple([.atom("exchange"), bName, .emptyList, .emptyList, aTag])))
        #expect(await beam.waitFor {
            $0.contains(Self.cast(.tuple([.atom("resolved"), aName, .emptyList, .emptyList, .atom("unused"), .emptyList, bTag])))
        })
        let third = Atom("cglobal@localhost")
        toA(Self.cast(.tuple([.atom("resolved"), bName, .emptyList, .list([.tuple([.atom(third), .int(8)])]),
                              .atom("unused"), .emptyList, aTag])))
        // a tries to meet the third node, as sync_others does; it is not there, so a forgets it.
        #expect(await eventually { a.log.contains("'global' at aglobal@localhost failed to connect to cglobal@localhost") })
        let synced = try await call(.atom("get_synced"), on: a, from: b)
        #expect(synced == .list([bName]))
        #expect(await eventually { (try? await call(.atom("get_known"), on: a, from: b)) == .list([bName]) })


        // Another requester cannot take the lock while b's locker holds it; once freed it can.
        let other = Term.tuple([.atom("global"), .list([.pid(caller.pid)])])
        #expect(try await call(.tuple([.atom("set_lock"), other]), on: a, from: b) == .false)
        #expect(try await call(.tuple([.atom("del_lock"), lockID]), on: a, from: b, as: caller) == .true)
        #expect(try await call(.tuple([.atom("set_lock"), other]), on: a, from: b) == .true)
        // A name another node registers: kvsh says yes, so the registrar goes on.
        #expect(try await call(.tuple([.atom("register"), .atom("n"), .pid(beam.pid), .atom("m")]), on: a, from: b) == .atom("yes"))
        // b lost its connection to a node a shares with it: a drops its own, as global does.
        toA(.tuple([.atom("remove_connection"), bName]))
        #expect(await eventually { a.kernel.connectedNodes.isEmpty })
        #expect(a.log.contains("'global' at node :aglobal@localhost disconnected node :bglobal@localhost in order to prevent overlapping partitions"))
        #expect(await b.kernel.connect(to: a.name))
        #expect(!a.log.contains("unexpected message"), "log: \(a.log.all)")
        await cluster.stop()
    }

    @Test func anUnexpectedMessageIsLoggedAsGlobalDoes() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("aglobalodd@localhost")
        let pid = try #require(a.node.whereis(GlobalNameServer.name))
        a.node.send(Self.cast(.atom("odd")), to: pid)
        a.node.send(.tuple([.atom("odd"), .int(1)]), to: pid)
        #expect(await eventually { a.log.contains("The global_name_server received an unexpected message:\nhandle_cast(:odd, _)") })
        #expect(await eventually { a.log.contains("The global_name_server received an unexpected message:\nhandle_info({:odd, 1}, _)") })
        #expect(a.node.whereis(GlobalNameServer.name) == pid)
        await cluster.stop()
    }

    /// A gen_server call from a process of `node` (the collector `as`, or a new one) to `a`'s server.
    private func call(_ request: Term, on a: TestNode, from node: TestNode, as caller: Collector? = nil) async throws -> Term? {
        let caller = try caller ?? node.collector()
        let ref = node.node.makeReference()
        let before = caller.messages.count
        node.kernel.send(.tuple([.atom("$gen_call"), .tuple([.pid(caller.pid), .reference(ref)]), request]),
                         toName: GlobalNameServer.name, on: a.name, from: caller.pid)
        guard await caller.waitFor({ $0.count > before }) else { return nil }
        guard case .tuple(let reply) = caller.messages[before], reply.count == 2, reply[0] == .reference(ref) else { return nil }
        return reply[1]
    }
}
