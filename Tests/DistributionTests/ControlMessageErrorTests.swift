import ETF
import Testing
@testable import Distribution

/// Frames of the wrong shape, each answered by the exact error.
@Suite struct ControlMessageErrorTests {
    typealias R = RecordedNode

    static func decode(_ bytes: [UInt8], limits: ETFDecoder.Limits = .default) -> DistributionError? {
        do {
            _ = try ControlMessage.decode(frameBody: bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func aFrameMustBePassThrough() {
        var header = R.frame("link")
        header[0] = 68
        #expect(Self.decode(header) == .unexpectedFrameType(68))
        #expect(Self.decode([]) == .badTerm(.truncated(offset: 0)))
    }

    @Test func unknownOpcodes() {
        #expect(Self.decode(frame(.tuple([.int(99), .pid(R.a)]))) == .unknownControlMessage(opcode: 99))
        #expect(Self.decode(frame(.tuple([.int(5)]))) == .unknownControlMessage(opcode: 5))
    }

    @Test func theControlTermMustBeATupleWithAnOpcode() {
        #expect(Self.decode(frame(.atom("link"))) == .malformedControlMessage(
            opcode: nil, "control term is an atom, expected a tuple starting with the opcode"))
        #expect(Self.decode(frame(.tuple([]))) == .malformedControlMessage(
            opcode: nil, "control term is a tuple of 0, expected a tuple starting with the opcode"))
        #expect(Self.decode(frame(.tuple([.atom("link"), .pid(R.a), .pid(R.b)]))) == .malformedControlMessage(
            opcode: nil, "control term is a tuple of 3, expected a tuple starting with the opcode"))
    }

    @Test func wrongArity() {
        #expect(Self.decode(frame(.tuple([.int(1), .pid(R.a)]))) == .malformedControlMessage(
            opcode: 1, "tuple of 2 elements, expected 3"))
        #expect(Self.decode(frame(.tuple([.int(24), .pid(R.a), .pid(R.b), .atom("normal")]), payload: .atom("normal")))
            == .malformedControlMessage(opcode: 24, "tuple of 4 elements, expected 3"))
        #expect(Self.decode(frame(.tuple([.int(12), .atom(""), .pid(R.b)]), payload: .atom("hi")))
            == .malformedControlMessage(opcode: 12, "tuple of 3 elements, expected 4"))
    }

    @Test func wrongFieldTypes() {
        #expect(Self.decode(frame(.tuple([.int(1), .atom("foo"), .pid(R.b)]))) == .malformedControlMessage(
            opcode: 1, "FromPid is an atom, expected a pid"))
        #expect(Self.decode(frame(.tuple([.int(2), .atom(""), .reference(R.ref)]), payload: .atom("hi")))
            == .malformedControlMessage(opcode: 2, "ToPid is a reference, expected a pid"))
        #expect(Self.decode(frame(.tuple([.int(6), .pid(R.a), .atom(""), .string("rex")]), payload: .atom("hi")))
            == .malformedControlMessage(opcode: 6, "ToName is a binary, expected an atom"))
        #expect(Self.decode(frame(.tuple([.int(19), .pid(R.a), .int(42), .reference(R.ref)])))
            == .malformedControlMessage(opcode: 19, "ToProc is an integer, expected a pid or an atom"))
        #expect(Self.decode(frame(.tuple([.int(20), .pid(R.a), .pid(R.b), .pid(R.b)])))
            == .malformedControlMessage(opcode: 20, "Ref is a pid, expected a reference"))
        #expect(Self.decode(frame(.tuple([.int(28), .tuple([.atom("n"), .atom("node")]), .pid(R.a), .reference(R.ref)]), payload: .atom("x")))
            == .malformedControlMessage(opcode: 28, "FromProc is a tuple of 2, expected a pid or an atom"))
        #expect(Self.decode(frame(.tuple([.int(33), .pid(R.a), .pid(R.b)]), payload: .atom("x")))
            == .malformedControlMessage(opcode: 33, "Alias is a pid, expected a reference"))
        #expect(Self.decode(frame(.tuple([.int(13), .pid(R.a), .atom("b"), .atom("token"), .atom("normal")])))
            == .malformedControlMessage(opcode: 13, "ToPid is an atom, expected a pid"))
    }

    @Test func unlinkIDsAreUnsigned64Bit() throws {
        #expect(Self.decode(frame(.tuple([.int(35), .int(-1), .pid(R.a), .pid(R.b)])))
            == .malformedControlMessage(opcode: 35, "Id is an integer, expected an unsigned 64-bit integer"))
        let twoTo64: [UInt8] = [131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        let tooBig = try ExternalTermFormat.decode(twoTo64)
        #expect(Self.decode(frame(.tuple([.int(36), tooBig, .pid(R.a), .pid(R.b)])))
            == .malformedControlMessage(opcode: 36, "Id is an integer, expected an unsigned 64-bit integer"))
        #expect(Self.decode(frame(.tuple([.int(35), .atom("id"), .pid(R.a), .pid(R.b)])))
            == .malformedControlMessage(opcode: 35, "Id is an atom, expected an unsigned 64-bit integer"))
    }

    @Test func spawnRequestShape() {
        func request(mfa: Term, options: Term = .emptyList, arguments: Term = .emptyList) -> DistributionError? {
            Self.decode(frame(
                .tuple([.int(29), .reference(R.ref), .pid(R.a), .pid(R.groupLeader), mfa, options]), payload: arguments))
        }
        let mfa = Term.tuple([.atom("erlang"), .atom("node"), .int(0)])
        #expect(request(mfa: .tuple([.atom("erlang"), .atom("node")])) == .malformedControlMessage(
            opcode: 29, "{Module, Function, Arity} is a tuple of 2, expected {atom, atom, arity}"))
        #expect(request(mfa: .tuple([.atom("erlang"), .atom("node"), .int(256)])) == .malformedControlMessage(
            opcode: 29, "{Module, Function, Arity} is a tuple of 3, expected {atom, atom, arity}"))
        #expect(request(mfa: mfa, options: .atom("monitor")) == .malformedControlMessage(
            opcode: 29, "OptList is an atom, expected a proper list"))
        #expect(request(mfa: mfa, arguments: .list([.int(1)], tail: .int(2))) == .malformedControlMessage(
            opcode: 29, "ArgList is an improper list, expected a proper list"))
        #expect(Self.decode(frame(.tuple([.int(29), .pid(R.a), .pid(R.a), .pid(R.groupLeader), mfa, .emptyList]), payload: .emptyList))
            == .malformedControlMessage(opcode: 29, "ReqId is a pid, expected a reference"))
    }

    @Test func spawnReplyShape() {
        #expect(Self.decode(frame(.tuple([.int(31), .reference(R.ref), .pid(R.a), .int(-1), .pid(R.b)])))
            == .malformedControlMessage(opcode: 31, "Flags is an integer, expected a non-negative integer"))
        #expect(Self.decode(frame(.tuple([.int(31), .reference(R.ref), .pid(R.a), .int(0), .tuple([.atom("error"), .atom("x")])])))
            == .malformedControlMessage(opcode: 31, "Result is a tuple of 2, expected a pid or an atom"))
    }

    @Test func payloadPresenceIsChecked() {
        #expect(Self.decode(frame(.tuple([.int(2), .atom(""), .pid(R.b)]))) == .missingPayload(opcode: 2))
        #expect(Self.decode(frame(.tuple([.int(26), .pid(R.a), .pid(R.b)]))) == .missingPayload(opcode: 26))
        let link = R.frame("link")
        #expect(Self.decode(link + ExternalTermFormat.encode(.atom("extra"))) == .trailingBytes(count: 8, opcode: 1))
        #expect(Self.decode(R.frame("send") + [0]) == .trailingBytes(count: 1, opcode: 2))
    }

    @Test func badTermsAreWrapped() {
        #expect(Self.decode([112, 131, 104]) == .badTerm(.truncated(offset: 3)))
        #expect(Self.decode([112, 130, 97, 1]) == .badTerm(.badVersion(130, offset: 1)))
        let control = frame(.tuple([.int(2), .atom(""), .pid(R.b)]))
        #expect(Self.decode(control + [130, 97, 1]) == .badTerm(.badVersion(130, offset: control.count)))
    }

    @Test func decoderLimitsApply() {
        let nested = Term.tuple([.tuple([.tuple([.atom("deep")])])])
        let bytes = frame(.tuple([.int(2), .atom(""), .pid(R.b)]), payload: nested)
        let control = frame(.tuple([.int(2), .atom(""), .pid(R.b)]))
        // Too deep a control term is a bad term; too deep a payload leaves the frame whole.
        #expect(Self.decode(control, limits: ETFDecoder.Limits(maxDepth: 0)) == .badTerm(.nestingTooDeep(limit: 0, offset: 2)))
        #expect(Self.decode(bytes, limits: ETFDecoder.Limits(maxDepth: 2))
            == .payloadTooDeep(limit: 2, opcode: 2, message: .send(to: R.b, message: .emptyList)))
        #expect(Self.decode(bytes, limits: ETFDecoder.Limits(maxDepth: 3)) == nil)
    }
}
