import ETF
import Testing
@testable import Distribution

/// What a real OTP 25 node sent to a peer with kvsh's flags (`Captured.frames`).
@Suite struct CapturedFrameTests {
    /// The frames that decode: all of them, as `everyFrameDecodes` checks.
    static let messages = Captured.frames.compactMap { try? ControlMessage.decode(frameBody: bytes(hex: $0)) }

    @Test(arguments: Captured.frames.indices)
    func everyFrameDecodes(index: Int) {
        #expect(throws: Never.self) { try ControlMessage.decode(frameBody: bytes(hex: Captured.frames[index])) }
    }

    /// OTP and kvsh write the same forms and the same term encodings, so what kvsh would send for
    /// each message is exactly what OTP sent.
    @Test(arguments: Captured.frames.indices)
    func reencodesByteForByte(index: Int) throws {
        let frame = bytes(hex: Captured.frames[index])
        #expect(try ControlMessage.decode(frameBody: frame).frameBytes == frame)
    }

    /// The signals the capture provokes, whatever order the real node's processes send them in.
    @Test func theCaptureCoversEverySignalKvshReads() {
        let opcodes = Set(Self.messages.compactMap { message -> Int? in
            guard case .tuple(let elements) = message.wireTerms.control, case .int(let opcode)? = elements.first else { return nil }
            return opcode
        })
        #expect(opcodes == [1, 6, 7, 19, 20, 22, 24, 26, 28, 29, 31, 33, 35, 36])
    }

    /// `Pid ! message` goes out as SEND_SENDER once SEND_SENDER is negotiated, never as SEND.
    @Test func plainSendsArriveAsSendSender() {
        let sends = Self.messages.filter {
            if case .sendSender(_, _, .atom("plain_send")) = $0 { return true }
            return false
        }
        #expect(sends.count == 1)
        #expect(!Self.messages.contains { if case .send = $0 { true } else { false } })
    }

    /// A monitor on a name the peer does not have is answered at once with `:noproc`.
    @Test func aMonitorOnAMissingNameIsAnsweredWithNoproc() {
        #expect(Self.messages.contains {
            if case .monitorExit(.name("no_such_name"), _, _, .atom("noproc")) = $0 { return true }
            return false
        })
    }
}
