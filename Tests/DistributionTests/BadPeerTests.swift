import ETF
import NodeRuntime
import Testing
@testable import Distribution

/// Peers that send what no Erlang node sends, before or after the handshake. Each time the node
/// closes that connection, logs why, and goes on serving good connections with nothing left over.
@Suite struct BadPeerTests {
    /// One bad peer's behaviour, and the log line (or part of it) it must cause.
    enum BadPeer: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case httpRequest
        case longHTTPRequest
        case stalledHandshake
        case garbageFrame
        case truncatedFrameThenClose
        case unknownOpcode
        case overlongAtom
        case fourGigabyteLength
        case compressedClaimsTooMuch
        case compressedInflatesPastItsClaim
        case silentAfterHandshake

        var testDescription: String { rawValue }

        /// Whether the bad bytes come after a completed handshake.
        var shakesHands: Bool {
            switch self {
            case .httpRequest, .longHTTPRequest, .stalledHandshake: false
            default: true
            }
        }

        /// What the node's log must say about the connection to `peer` (nil before the handshake).
        func expectedLog(peer: Atom) -> String {
            let closing = "** Closing the connection to node \(Term.atom(peer).inspect()): "
            return switch self {
            // A short request reads as a 2-byte length of 18,245 ("GE") that never arrives; a long
            // one as a frame of that length starting with "T".
            case .httpRequest, .stalledHandshake: HandshakeError.timedOut.logLine
            case .longHTTPRequest: HandshakeError.unexpectedMessage(tag: UInt8(ascii: "T")).logLine
            case .garbageFrame: closing + "\(DistributionError.unexpectedFrameType(0xDE))"
            case .truncatedFrameThenClose: "** Connection to node \(Term.atom(peer).inspect()) closed in the middle of a frame"
            case .unknownOpcode: closing + "\(DistributionError.unknownControlMessage(opcode: 99))"
            case .overlongAtom: closing + "badTerm(ETF.ETFDecodingError.atomTooLong(length: 300"
            case .fourGigabyteLength:
                closing + "\(DistributionError.frameTooLarge(size: 0xFFFF_FFFF, limit: DistributionFrameParser.defaultMaxFrameSize))"
            case .compressedClaimsTooMuch: closing + "badTerm(ETF.ETFDecodingError.compressedTooLarge(size: 4294967295"
            case .compressedInflatesPastItsClaim: closing + "badTerm(ETF.ETFDecodingError.compressedSizeMismatch(declared: 16"
            case .silentAfterHandshake: "** Node \(Term.atom(peer).inspect()) not responding **\n** Removing (timedout) connection **"
            }
        }

        /// Does the bad thing; the handshake, when there is one, is done already.
        func misbehave(_ peer: FakePeer, as name: Atom) async throws {
            switch self {
            case .httpRequest:
                try await peer.write(Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
            case .longHTTPRequest:
                // Long enough that its first "frame" (18,245 bytes) arrives whole.
                let body = String(repeating: "x", count: 20_000)
                try await peer.write(Array("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 20000\r\n\r\n\(body)".utf8))
            case .stalledHandshake, .silentAfterHandshake:
                break
            case .garbageFrame:
                try await peer.writeFrame([0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01])
            case .truncatedFrameThenClose:
                try await peer.write([0, 0, 0, 100] + [112, 131] + [UInt8](repeating: 0x61, count: 8))
                try await peer.shutdownOutput()
            case .unknownOpcode:
                try await peer.writeFrame(Frames.frame(control: .tuple([.int(99), .pid(Frames.pid(of: name))])))
            case .overlongAtom:
                try await peer.writeFrame(Frames.regSend(from: name, toNameBytes: Frames.atomUTF8(length: 300), payload: [106]))
            case .fourGigabyteLength:
                try await peer.write([0xFF, 0xFF, 0xFF, 0xFF, 112, 131])
            case .compressedClaimsTooMuch:
                var compressed = ETFEncoder().encodeCompressed(.binary([UInt8](repeating: 0, count: 1_000)))
                compressed.replaceSubrange(2..<6, with: [0xFF, 0xFF, 0xFF, 0xFF])
                try await peer.writeFrame(Frames.regSend(from: name, payload: Array(compressed.dropFirst())))
            case .compressedInflatesPastItsClaim:
                var compressed = ETFEncoder().encodeCompressed(.binary([UInt8](repeating: 0, count: 1 << 20)))
                compressed.replaceSubrange(2..<6, with: [0, 0, 0, 16])
                try await peer.writeFrame(Frames.regSend(from: name, payload: Array(compressed.dropFirst())))
            }
        }
    }

    @Test(arguments: BadPeer.allCases)
    func aBadPeerIsDroppedAndTheNodeGoesOn(_ bad: BadPeer) async throws {
        let cluster = try await TestCluster.start()
        // Short tick and setup times where the case waits for them; a long tick time otherwise,
        // so building a large frame in a debug build never looks like a silent peer.
        let a = try await cluster.node(
            "a\(bad.rawValue)@localhost", tickTimeSeconds: bad == .silentAfterHandshake ? 2 : 60, setupTimeSeconds: 1)
        _ = try a.collector(named: "inbox")
        let processes = a.node.processCount
        let name = FakePeer.uniqueName()

        let peer = bad.shakesHands ? try await FakePeer.connected(to: a, as: name) : try await FakePeer.connect(to: a)
        if bad.shakesHands { #expect(await eventually { a.kernel.connectedNodes == [name] }) }
        try await bad.misbehave(peer, as: name)

        #expect(await peer.waitForEOF(), "the node closes the connection")
        let expected = bad.expectedLog(peer: name)
        #expect(await eventually { a.log.contains(expected) }, "expected \(expected.debugDescription) in \(a.log.all)")
        #expect(await eventually { a.kernel.connectedNodes.isEmpty })
        #expect(a.node.processCount == processes)
        #expect(try await a.stillServes(in: cluster, probe: "p\(bad.rawValue)"))
        await peer.close()
        await cluster.stop()
    }

    @Test func twoHundredBadConnectionsLeaveNothingBehind() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("a200@localhost")
        _ = try a.collector(named: "inbox")
        let processes = a.node.processCount
        let kinds: [BadPeer] = [.garbageFrame, .unknownOpcode, .fourGigabyteLength, .overlongAtom, .longHTTPRequest]

        for batch in 0..<20 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    let bad = kinds[(batch * 10 + index) % kinds.count]
                    group.addTask {
                        let name = FakePeer.uniqueName("bad")
                        let peer = bad.shakesHands
                            ? try await FakePeer.connected(to: a, as: name) : try await FakePeer.connect(to: a)
                        try await bad.misbehave(peer, as: name)
                        let closed = await peer.waitForEOF()
                        #expect(closed, "\(bad) as \(name)")
                        await peer.close()
                    }
                }
                try await group.waitForAll()
            }
        }

        #expect(await eventually { a.kernel.connectedNodes.isEmpty })
        #expect(a.node.processCount == processes)
        #expect(a.log.all.count == 200, "one line per bad connection")
        #expect(try await a.stillServes(in: cluster, probe: "p200"))
        await cluster.stop()
    }
}

/// Connected-state frame bodies built byte by byte, so they can be wrong in any way.
enum Frames {
    static func pid(of node: Atom) -> Pid { Pid(node: node, id: 1, serial: 0, creation: 1) }

    /// `112 | 131 control | [131 payload]` from terms.
    static func frame(control: Term, payload: Term? = nil) -> [UInt8] {
        var bytes: [UInt8] = [112]
        bytes += ETFEncoder().encode(control)
        if let payload { bytes += ETFEncoder().encode(payload) }
        return bytes
    }

    /// A `REG_SEND` from `node` whose name (an encoded atom) and payload (a term without its
    /// version byte) are given as raw bytes.
    static func regSend(from node: Atom, toNameBytes name: [UInt8] = [119, 5] + Array("inbox".utf8), payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [112, 131, 104, 4, 97, 6]
        var pidBytes: [UInt8] = []
        ETFEncoder().encode(.pid(pid(of: node)), into: &pidBytes)
        bytes += pidBytes
        bytes += [119, 0]
        bytes += name
        bytes.append(131)
        bytes += payload
        return bytes
    }

    /// `ATOM_UTF8_EXT` of `length` bytes: longer than 255 is more than any atom may have.
    static func atomUTF8(length: Int) -> [UInt8] {
        [118, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0x61, count: length)
    }

    /// `[[[…[]…]]]`, `depth` lists deep, written iteratively.
    static func nestedLists(depth: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(depth * 6 + 1)
        for _ in 0..<depth { bytes += [108, 0, 0, 0, 1] }
        bytes.append(106)
        for _ in 0..<depth { bytes.append(106) }
        return bytes
    }
}
