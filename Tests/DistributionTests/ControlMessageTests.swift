import ETF
import NIOCore
import Testing
@testable import Distribution

/// The pids and references of the node that recorded `Recorded.frames`, rebuilt.
enum RecordedNode {
    static let node = Atom(Recorded.node)
    static let a = pid(Recorded.a)
    static let b = pid(Recorded.b)
    static let groupLeader = pid(Recorded.groupLeader)
    static let ref = Reference(node: node, creation: Recorded.creation, words: Recorded.ref)
    static let alias = Reference(node: node, creation: Recorded.creation, words: Recorded.alias)

    static func pid(_ parts: (id: UInt32, serial: UInt32)) -> Pid {
        Pid(node: node, id: parts.id, serial: parts.serial, creation: Recorded.creation)
    }

    static func frame(_ name: String) -> [UInt8] {
        guard let hex = Recorded.frames[name] else { preconditionFailure("no recorded frame \(name)") }
        return bytes(hex: hex)
    }
}

func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

/// A frame body built from terms, for shapes a real node would never send.
func frame(_ control: Term, payload: Term? = nil) -> [UInt8] {
    var bytes: [UInt8] = [112] + ExternalTermFormat.encode(control)
    if let payload { bytes += ExternalTermFormat.encode(payload) }
    return bytes
}

@Suite struct ControlMessageTests {
    typealias R = RecordedNode

    /// Every message kvsh sends, with the bytes a real OTP 25 node builds for it.
    static let encodable: [(String, ControlMessage)] = [
        ("link", .link(from: R.a, to: R.b)),
        ("send", .send(to: R.b, message: .tuple([.atom("hello"), .string("world"), .list([.int(1), .int(2), .int(3)])]))),
        ("exit", .exit(from: R.b, to: R.a, reason: .atom("killed"))),
        ("unlink", .unlink(from: R.a, to: R.b)),
        ("regSend", .regSend(from: R.a, toName: "rex", message: .tuple([.pid(R.a), .atom("features_request")]))),
        ("groupLeader", .groupLeader(from: R.groupLeader, to: R.b)),
        ("exit2", .exit2(from: R.a, to: R.b, reason: .atom("kill"))),
        ("monitorPid", .monitor(from: R.a, target: .pid(R.b), ref: R.ref)),
        ("monitorName", .monitor(from: R.a, target: .name("net_kernel"), ref: R.ref)),
        ("demonitorPid", .demonitor(from: R.a, target: .pid(R.b), ref: R.ref)),
        ("demonitorName", .demonitor(from: R.a, target: .name("net_kernel"), ref: R.ref)),
        ("monitorExitPid", .monitorExit(target: .pid(R.b), to: R.a, ref: R.ref, reason: .atom("normal"))),
        ("monitorExitName", .monitorExit(target: .name("net_kernel"), to: R.a, ref: R.ref, reason: .atom("noproc"))),
        ("sendSender", .sendSender(from: R.a, to: R.b, message: .tuple([.atom("$gen_cast"), .atom("ping")]))),
        ("spawnRequest", .spawnRequest(
            id: R.ref, from: R.a, groupLeader: R.groupLeader, module: "erpc", function: "execute_call", arity: 4,
            options: .list([.atom("monitor")]),
            arguments: .list([.reference(R.alias), .atom("erlang"), .atom("node"), .emptyList]))),
        ("spawnReplyPid", .spawnReply(id: R.ref, to: R.a, flags: .monitor, result: .pid(R.b))),
        ("spawnReplyError", .spawnReply(id: R.ref, to: R.a, flags: [.link, .monitor], result: .atom("system_limit"))),
        ("aliasSend", .aliasSend(
            from: R.b, alias: R.alias, message: .tuple([.list([.atom("alias")], tail: .reference(R.alias)), .atom("yes")]))),
        ("unlinkID", .unlinkID(id: 1234, from: R.a, to: R.b)),
        ("unlinkIDBig", .unlinkID(id: .max, from: R.a, to: R.b)),
        ("unlinkIDAck", .unlinkIDAck(id: 1234, from: R.b, to: R.a)),
    ]

    /// Forms kvsh reads but never sends: the old exits and the trace-token forms.
    static let decodeOnly: [(String, ControlMessage)] = [
        ("exitOld", .exit(from: R.b, to: R.a, reason: .tuple([.atom("shutdown"), .int(42)]))),
        ("exit2Old", .exit2(from: R.a, to: R.b, reason: .atom("normal"))),
        ("monitorExitOld", .monitorExit(target: .pid(R.b), to: R.a, ref: R.ref, reason: .atom("noconnection"))),
        ("sendTT", .send(to: R.b, message: .atom("hello"))),
        ("exitTT", .exit(from: R.b, to: R.a, reason: .atom("normal"))),
        ("regSendTT", .regSend(from: R.a, toName: "rex", message: .atom("hello"))),
        ("exit2TT", .exit2(from: R.a, to: R.b, reason: .atom("kill"))),
        ("sendSenderTT", .sendSender(from: R.a, to: R.b, message: .atom("hello"))),
        ("exitPayloadTT", .exit(from: R.b, to: R.a, reason: .atom("killed"))),
        ("exit2PayloadTT", .exit2(from: R.a, to: R.b, reason: .atom("kill"))),
        ("spawnRequestTT", .spawnRequest(
            id: R.ref, from: R.a, groupLeader: R.groupLeader, module: "erlang", function: "node", arity: 0,
            options: .list([.atom("link")]), arguments: .emptyList)),
        ("spawnReplyTT", .spawnReply(id: R.ref, to: R.a, flags: .link, result: .pid(R.b))),
        ("aliasSendTT", .aliasSend(from: R.b, alias: R.alias, message: .atom("yes"))),
    ]

    @Test func everyRecordedFrameIsCovered() {
        let covered = Set((Self.encodable + Self.decodeOnly).map(\.0))
        #expect(covered == Set(Recorded.frames.keys))
    }

    @Test(arguments: encodable)
    func encodesAsOTPDoes(name: String, message: ControlMessage) {
        #expect(message.frameBytes == R.frame(name), "\(name)")
    }

    @Test(arguments: encodable + decodeOnly)
    func decodesWhatOTPSends(name: String, message: ControlMessage) throws {
        #expect(try ControlMessage.decode(frameBody: R.frame(name)) == message, "\(name)")
        var atomCache = AtomCacheDecoder()
        let fromBuffer = try ControlMessage.decode(frameBody: ByteBuffer(bytes: R.frame(name)), atomCache: &atomCache)
        #expect(fromBuffer == message, "\(name) from a ByteBuffer")
    }

    @Test(arguments: encodable)
    func roundTrips(name: String, message: ControlMessage) throws {
        #expect(try ControlMessage.decode(frameBody: message.frameBytes) == message, "\(name)")
    }

    @Test func encodeFrameAppends() {
        var bytes: [UInt8] = [0xAA]
        let message = ControlMessage.link(from: R.a, to: R.b)
        message.encodeFrame(into: &bytes)
        #expect(bytes == [0xAA] + R.frame("link"))
    }

    @Test func exitsTakeTheirPayloadForms() {
        let reason = Term.atom("normal")
        let opcodes = [
            ControlMessage.exit(from: R.a, to: R.b, reason: reason),
            .exit2(from: R.a, to: R.b, reason: reason),
            .monitorExit(target: .pid(R.a), to: R.b, ref: R.ref, reason: reason),
        ].map { message -> Term? in
            guard case .tuple(let elements) = message.wireTerms.control else { return nil }
            return elements.first
        }
        #expect(opcodes == [.int(24), .int(26), .int(28)])
    }
}
