import NIOCore
import Testing
@testable import EPMD

/// Replies to the bytes and back. The expected bytes are what Debian's epmd (OTP 25) sent on
/// loopback, recorded by hand.
@Suite struct PortMapperResponseTests {
    static let registered: [UInt8] = [118, 0, 0x6B, 0x0B, 0xE4, 0xEA]
    static let refused: [UInt8] = [118, 1, 0, 0, 0, 99]
    static let registeredOld: [UInt8] = [121, 0, 0, 2]
    /// foo at 5555, visible, TCP, versions 6 to 6, no extra.
    static let fooFound: [UInt8] = [119, 0, 0x15, 0xB3, 77, 0, 0, 6, 0, 6, 0, 3, 0x66, 0x6F, 0x6F, 0, 0]
    static let notFound: [UInt8] = [119, 1]
    /// epmd on port 14369 (0x3821) with three nodes, newest first.
    static let names: [UInt8] = [0, 0, 0x38, 0x21]
        + Array("name baz at port 5555\nname bar at port 5555\nname foo at port 5555\n".utf8)

    @Test func alive2RepliesEncode() throws {
        #expect(try encoded(.alive2(result: 0, creation: 0x6B0B_E4EA)) == Self.registered)
        #expect(try encoded(.alive2(result: 1, creation: 99)) == Self.refused)
        #expect(try encoded(.alive2Short(result: 0, creation: 2)) == Self.registeredOld)
    }

    @Test func port2RepliesEncode() throws {
        #expect(try encoded(.port2(PortMapperNode(name: "foo", port: 5555))) == Self.fooFound)
        #expect(try encoded(.port2(nil)) == Self.notFound)
    }

    @Test func namesReplyEncodes() throws {
        let nodes = ["baz", "bar", "foo"].map { PortMapperResponse.NamedPort(name: $0, port: 5555) }
        #expect(try encoded(.names(mapperPort: 14369, nodes: nodes)) == Self.names)
        #expect(try encoded(.names(mapperPort: 4369, nodes: [])) == [0, 0, 0x11, 0x11])
    }

    @Test func repliesDecodeByteByByte() throws {
        let cases: [(PortMapperRequest.Code, [UInt8], PortMapperResponse)] = [
            (.alive2, Self.registered, .alive2(result: 0, creation: 0x6B0B_E4EA)),
            (.alive2, Self.refused, .alive2(result: 1, creation: 99)),
            (.alive2, Self.registeredOld, .alive2Short(result: 0, creation: 2)),
            (.portPlease2, Self.fooFound, .port2(PortMapperNode(name: "foo", port: 5555))),
            (.portPlease2, Self.notFound, .port2(nil)),
        ]
        for (code, bytes, expected) in cases {
            var buffer = ByteBuffer()
            for (index, byte) in bytes.enumerated() {
                buffer.writeInteger(byte)
                let decoded = try PortMapperResponse.decode(answering: code, from: &buffer)
                if index < bytes.count - 1 {
                    #expect(decoded == nil, "\(bytes) is complete after \(index + 1) bytes")
                    #expect(buffer.readableBytes == index + 1)
                } else {
                    #expect(decoded == expected)
                    #expect(buffer.readableBytes == 0)
                }
            }
        }
    }

    @Test func aNodeWithExtraBytesRoundTrips() throws {
        let node = PortMapperNode(name: "baz", port: 5555, nodeType: 72, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: [0x78, 0x79])
        var buffer = ByteBuffer(bytes: try encoded(.port2(node)))
        #expect(try PortMapperResponse.decode(answering: .portPlease2, from: &buffer) == .port2(node))
    }

    @Test func namesEndsOnlyWhenTheMapperCloses() throws {
        var buffer = ByteBuffer(bytes: Self.names)
        #expect(try PortMapperResponse.decode(answering: .names, from: &buffer) == nil)
        #expect(buffer.readableBytes == Self.names.count)
        let nodes = ["baz", "bar", "foo"].map { PortMapperResponse.NamedPort(name: $0, port: 5555) }
        #expect(try PortMapperResponse.decode(answering: .names, from: &buffer, atEnd: true) == .names(mapperPort: 14369, nodes: nodes))
        #expect(buffer.readableBytes == 0)
    }

    @Test func namesMayHoldSpacesAndNoNodes() throws {
        var buffer = ByteBuffer(bytes: [0, 0, 0x11, 0x11] + Array("name a b at port 1\n".utf8))
        #expect(try PortMapperResponse.decode(answering: .names, from: &buffer, atEnd: true)
            == .names(mapperPort: 4369, nodes: [.init(name: "a b", port: 1)]))
        var empty = ByteBuffer(bytes: [0, 0, 0x11, 0x11])
        #expect(try PortMapperResponse.decode(answering: .names, from: &empty, atEnd: true) == .names(mapperPort: 4369, nodes: []))
    }

    @Test func badNamesRepliesAreMalformed() {
        #expect(throws: PortMapperError.malformed("NAMES reply of 3 bytes, shorter than its 4-byte port")) {
            try decodeNames([0, 0, 0x11])
        }
        #expect(throws: PortMapperError.malformed("NAMES reply: last line has no newline")) {
            try decodeNames([0, 0, 0x11, 0x11] + Array("name foo at port 1".utf8))
        }
        for line in ["nom foo at port 1", "name foo at port", "name foo at port 123456", "name foo at 1", "name at port 1"] {
            #expect(throws: PortMapperError.malformed("NAMES reply: line \"\(line)\" is not \"name N at port P\"")) {
                try decodeNames([0, 0, 0x11, 0x11] + Array("\(line)\n".utf8))
            }
        }
        #expect(throws: PortMapperError.malformed("NAMES reply: line \"name foo at port 70000\" is not \"name N at port P\"")) {
            try decodeNames([0, 0, 0x11, 0x11] + Array("name foo at port 70000\n".utf8))
        }
        #expect(throws: PortMapperError.malformed("NAMES reply: empty node name")) {
            try decodeNames([0, 0, 0x11, 0x11] + Array("name  at port 1\n".utf8))
        }
    }

    @Test func anOverlongNamesReplyIsRefusedBeforeTheEnd() {
        var buffer = ByteBuffer(bytes: Self.names)
        #expect(throws: PortMapperError.tooLong(what: "NAMES reply", length: Self.names.count, limit: 10)) {
            try PortMapperResponse.decode(answering: .names, from: &buffer, maximumLength: 10)
        }
    }

    @Test func aReplyOfTheWrongKindIsUnexpected() {
        #expect(throws: PortMapperError.unexpectedResponse(119)) {
            var buffer = ByteBuffer(bytes: Self.notFound)
            _ = try PortMapperResponse.decode(answering: .alive2, from: &buffer)
        }
        #expect(throws: PortMapperError.unexpectedResponse(118)) {
            var buffer = ByteBuffer(bytes: Self.registered)
            _ = try PortMapperResponse.decode(answering: .portPlease2, from: &buffer)
        }
    }

    @Test func aPort2NameOverTheLimitIsRefusedBeforeItArrives() {
        #expect(throws: PortMapperError.tooLong(what: "PORT2_RESP node name", length: 256, limit: 255)) {
            var buffer = ByteBuffer(bytes: [119, 0, 0x15, 0xB3, 77, 0, 0, 6, 0, 6, 1, 0])
            _ = try PortMapperResponse.decode(answering: .portPlease2, from: &buffer)
        }
    }

    private func decodeNames(_ bytes: [UInt8]) throws {
        var buffer = ByteBuffer(bytes: bytes)
        _ = try PortMapperResponse.decode(answering: .names, from: &buffer, atEnd: true)
    }
}
