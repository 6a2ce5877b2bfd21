import NIOCore
import Testing
@testable import EPMD

/// Requests to the bytes, written by hand from the protocol and checked against what a real
/// epmd accepts (see EPMDInteropTests), and back.
@Suite struct PortMapperRequestTests {
    static let foo = PortMapperNode(name: "foo", port: 5555)
    /// `ALIVE2_REQ` for foo on port 5555, visible, TCP, versions 6 to 6, no extra.
    static let alive2Foo: [UInt8] = [0, 16, 120, 0x15, 0xB3, 77, 0, 0, 6, 0, 6, 0, 3, 0x66, 0x6F, 0x6F, 0, 0]

    @Test func alive2Encodes() throws {
        #expect(try encoded(.alive2(Self.foo)) == Self.alive2Foo)
        let hidden = PortMapperNode(name: "h", port: 1, nodeType: PortMapperNode.hidden, highestVersion: 6, lowestVersion: 5, extra: [9, 8])
        #expect(try encoded(.alive2(hidden)) == [0, 16, 120, 0, 1, 72, 0, 0, 6, 0, 5, 0, 1, 0x68, 0, 2, 9, 8])
    }

    @Test func portPlease2AndNamesEncode() throws {
        #expect(try encoded(.portPlease2(name: "foo")) == [0, 4, 122, 0x66, 0x6F, 0x6F])
        #expect(try encoded(.names) == [0, 1, 110])
    }

    @Test func eachRequestDecodesBack() throws {
        let requests: [PortMapperRequest] = [
            .alive2(Self.foo),
            .alive2(PortMapperNode(name: "ünïcode", port: 65535, nodeType: 72, protocol: 1, highestVersion: 6, lowestVersion: 5, extra: [1, 2, 3])),
            .portPlease2(name: "foo"),
            .names,
        ]
        for request in requests {
            var buffer = ByteBuffer(bytes: try encoded(request))
            #expect(try PortMapperRequest.decode(from: &buffer) == request)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func byteByByteIsIncompleteUntilTheLastByte() throws {
        for request in [PortMapperRequest.alive2(Self.foo), .portPlease2(name: "foo"), .names] {
            let bytes = try encoded(request)
            var buffer = ByteBuffer()
            for (index, byte) in bytes.enumerated() {
                buffer.writeInteger(byte)
                let decoded = try PortMapperRequest.decode(from: &buffer)
                if index < bytes.count - 1 {
                    #expect(decoded == nil)
                    #expect(buffer.readableBytes == index + 1, "an incomplete request consumes nothing")
                } else {
                    #expect(decoded == request)
                }
            }
        }
    }

    @Test func twoRequestsInOneBufferDecodeInTurn() throws {
        var buffer = ByteBuffer(bytes: try encoded(.names) + encoded(.portPlease2(name: "a")))
        #expect(try PortMapperRequest.decode(from: &buffer) == .names)
        #expect(try PortMapperRequest.decode(from: &buffer) == .portPlease2(name: "a"))
        #expect(try PortMapperRequest.decode(from: &buffer) == nil)
    }

    @Test func namesIgnoresBytesAfterItsCodeAsEpmdDoes() throws {
        var buffer = ByteBuffer(bytes: [0, 3, 110, 88, 88])
        #expect(try PortMapperRequest.decode(from: &buffer) == .names)
        #expect(buffer.readableBytes == 0)
    }

    @Test func badFramingIsRefusedAsSoonAsItShows() {
        #expect(throws: PortMapperError.malformed("request of length 0")) {
            try decode([0, 0])
        }
        // An HTTP request read as a length prefix: "GE" is 18245.
        #expect(throws: PortMapperError.tooLong(what: "request", length: 18245, limit: 1024)) {
            try decode(Array("GET / HTTP/1.1\r\n".utf8))
        }
        #expect(throws: PortMapperError.unknownRequest(1)) {
            try decode([0, 3, 1])
        }
        // epmd's DUMP_REQ, which kvsh's daemon does not serve.
        #expect(throws: PortMapperError.unknownRequest(100)) {
            try decode([0, 1, 100])
        }
        #expect(throws: PortMapperError.tooLong(what: "request", length: 2000, limit: 1024)) {
            try decode([0x07, 0xD0])
        }
    }

    @Test func truncatedOrOverlongAlive2IsMalformed() {
        #expect(throws: PortMapperError.malformed("ALIVE2_REQ: length 5 ends inside the node fields")) {
            try decode([0, 5, 120, 0x15, 0xB3, 77, 0])
        }
        // The frame is two bytes longer than its fields.
        #expect(throws: PortMapperError.malformed("ALIVE2_REQ: 2 bytes after the extra field")) {
            try decode([0, 18] + Self.alive2Foo.dropFirst(2) + [7, 7])
        }
        // The name length says 300: refused before 300 bytes arrive.
        #expect(throws: PortMapperError.tooLong(what: "ALIVE2_REQ node name", length: 300, limit: 255)) {
            try decode([0, 11, 120, 0x15, 0xB3, 77, 0, 0, 6, 0, 6, 0x01, 0x2C])
        }
        #expect(throws: PortMapperError.malformed("ALIVE2_REQ: empty node name")) {
            try decode([0, 13, 120, 0x15, 0xB3, 77, 0, 0, 6, 0, 6, 0, 0, 0, 0])
        }
    }

    @Test func badNamesAreRefused() {
        #expect(throws: PortMapperError.malformed("PORT_PLEASE2_REQ: empty node name")) {
            try decode([0, 1, 122])
        }
        #expect(throws: PortMapperError.malformed("PORT_PLEASE2_REQ: node name is not UTF-8")) {
            try decode([0, 2, 122, 0xFF])
        }
        #expect(throws: PortMapperError.malformed("empty node name")) {
            try encoded(.portPlease2(name: ""))
        }
        #expect(throws: PortMapperError.tooLong(what: "node name", length: 256, limit: 255)) {
            try encoded(.alive2(PortMapperNode(name: String(repeating: "a", count: 256), port: 1)))
        }
        #expect(throws: Never.self) {
            try encoded(.portPlease2(name: String(repeating: "a", count: 255)))
        }
    }

    @Test func aRequestOverSixteenBitsCannotBeEncoded() {
        let node = PortMapperNode(name: "foo", port: 1, extra: Array(repeating: 0, count: 65535))
        #expect(throws: PortMapperError.tooLong(what: "ALIVE2_REQ", length: 65551, limit: 65535)) {
            try encoded(.alive2(node))
        }
    }

    @Test func theLengthLimitIsAParameter() throws {
        let long = PortMapperNode(name: "foo", port: 1, extra: Array(repeating: 0, count: 2000))
        var buffer = ByteBuffer(bytes: try encoded(.alive2(long)))
        #expect(throws: PortMapperError.tooLong(what: "request", length: 2016, limit: 1024)) {
            try PortMapperRequest.decode(from: &buffer)
        }
        #expect(try PortMapperRequest.decode(from: &buffer, maximumLength: 4096) == .alive2(long))
    }

    private func decode(_ bytes: [UInt8]) throws {
        var buffer = ByteBuffer(bytes: bytes)
        _ = try PortMapperRequest.decode(from: &buffer)
    }
}
