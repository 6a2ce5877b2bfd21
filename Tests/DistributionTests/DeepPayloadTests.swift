import ETF
import NodeRuntime
import Testing
@testable import Distribution

/// A BEAM node takes terms nested 100,000 deep and more; kvsh's terms cannot hold them. A peer
/// that sends one has sent a well-formed frame all the same: that message is dropped, with a
/// log line, and the connection goes on (the BEAM would have delivered it).
@Suite struct DeepPayloadTests {
    @Test func aTooDeepMessageIsDroppedAndTheConnectionStays() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("adeep@localhost")
        let inbox = try a.collector(named: "inbox")
        let name = FakePeer.uniqueName()
        let peer = try await FakePeer.connected(to: a, as: name)
        #expect(await eventually { a.kernel.connectedNodes == [name] })

        try await peer.writeFrame(Frames.regSend(from: name, payload: Frames.nestedLists(depth: 1_000_000)))
        try await peer.writeFrame(Frames.regSend(from: name, payload: Array(ETFEncoder().encode(.atom("after")).dropFirst())))

        #expect(await inbox.waitFor { $0 == [.atom("after")] })
        let expected = "** Dropped a message (control message 6) from node \(Term.atom(name).inspect()): its term nests deeper than 2000 levels **"
        #expect(a.log.contains(expected), "log: \(a.log.all)")
        #expect(!peer.sawEOF)
        #expect(a.kernel.connectedNodes == [name])
        await peer.close()
        await cluster.stop()
    }
}
