import NIOCore
import NIOEmbedded
import Testing
@testable import EPMD

/// One daemon connection at a time, without sockets: what goes in, what comes out, and
/// whether the connection is left open.
@Suite struct PortMapperServerHandlerTests {
    let registry = PortMapperRegistry(maximumConnections: 8, firstCreation: 41)

    @Test func namesAnswersTheMapperPortAndEveryNodeThenCloses() throws {
        _ = registry.register(PortMapperNode(name: "foo", port: 5555))
        _ = registry.register(PortMapperNode(name: "bar", port: 6666))
        let channel = try connected()
        try channel.writeInbound(ByteBuffer(bytes: [0, 1, 110]))
        let expected = [0, 0, 0x11, 0x11] + Array("name bar at port 6666\nname foo at port 5555\n".utf8)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: expected))
        #expect(!channel.isActive)
    }

    @Test func portPlease2AnswersTheNodeOrNotFoundThenCloses() throws {
        _ = registry.register(PortMapperNode(name: "foo", port: 5555))
        let found = try connected()
        try found.writeInbound(ByteBuffer(bytes: [0, 4, 122, 0x66, 0x6F, 0x6F]))
        #expect(try found.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: PortMapperResponseTests.fooFound))
        #expect(!found.isActive)
        let missing = try connected()
        try missing.writeInbound(ByteBuffer(bytes: [0, 4, 122, 0x62, 0x61, 0x72]))
        #expect(try missing.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [119, 1]))
        #expect(!missing.isActive)
    }

    @Test func aRegistrationLastsAsLongAsItsConnection() throws {
        let channel = try connected()
        try channel.writeInbound(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [118, 0, 0, 0, 0, 41]))
        #expect(channel.isActive)
        #expect(registry.lookup(name: "foo") == PortMapperNode(name: "foo", port: 5555))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive, "a registered connection has no idle timeout")
        _ = try channel.finish()
        #expect(registry.lookup(name: "foo") == nil)
    }

    @Test func aTakenNameIsRefusedAndTheConnectionClosed() throws {
        let first = try connected()
        try first.writeInbound(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        let second = try connected()
        try second.writeInbound(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        #expect(try second.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [118, 1, 0, 0, 0, 0]))
        #expect(!second.isActive)
        #expect(registry.names() == [.init(name: "foo", port: 5555)], "the refusal leaves the first registration alone")
    }

    @Test func oldPeersGetASixteenBitCreation() throws {
        let channel = try connected()
        let old = PortMapperNode(name: "old", port: 7, highestVersion: 5, lowestVersion: 5)
        var request = ByteBuffer()
        try PortMapperRequest.alive2(old).encode(into: &request)
        try channel.writeInbound(request)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [121, 0, 0, 3]))
    }

    @Test func aRegisteredNodeThatSpeaksAgainIsDropped() throws {
        let channel = try connected()
        try channel.writeInbound(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        _ = try channel.readOutbound(as: ByteBuffer.self)
        try channel.writeInbound(ByteBuffer(bytes: [0, 1, 110]))
        #expect(!channel.isActive)
        #expect(registry.lookup(name: "foo") == nil)
    }

    @Test func aRegisteredNodeThatShutsItsSideIsForgotten() throws {
        let channel = try connected()
        try channel.writeInbound(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
        #expect(registry.lookup(name: "foo") == nil)
    }

    @Test func registrationsComeFromThisHostOnly() throws {
        let channel = try connected(from: "192.0.2.7")
        try channel.writeInbound(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!channel.isActive)
        #expect(registry.names().isEmpty)
        let lookup = try connected(from: "192.0.2.7")
        try lookup.writeInbound(ByteBuffer(bytes: [0, 1, 110]))
        #expect(try lookup.readOutbound(as: ByteBuffer.self) != nil, "remote hosts may still look nodes up")
    }

    @Test func loopbackAddresses() throws {
        for ip in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            #expect(PortMapperServerHandler.isLoopback(try SocketAddress(ipAddress: ip, port: 1)), "\(ip)")
        }
        for ip in ["10.0.0.1", "192.0.2.7", "::2", "::ffff:10.0.0.1"] {
            #expect(!PortMapperServerHandler.isLoopback(try SocketAddress(ipAddress: ip, port: 1)), "\(ip)")
        }
        #expect(!PortMapperServerHandler.isLoopback(nil))
    }

    @Test func garbageClosesTheConnectionWithoutAnAnswer() throws {
        for garbage: [UInt8] in [Array("GET / HTTP/1.1\r\n\r\n".utf8), [0, 0], [0, 3, 1, 2, 3], [0, 1, 122], [0xFF, 0xFF]] {
            let channel = try connected()
            try channel.writeInbound(ByteBuffer(bytes: garbage))
            #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
            #expect(!channel.isActive, "\(garbage)")
        }
    }

    @Test func bytesAfterTheRequestCloseTheConnectionUnanswered() throws {
        let channel = try connected()
        try channel.writeInbound(ByteBuffer(bytes: [0, 1, 110, 0, 1, 110]))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!channel.isActive)
    }

    @Test func aRequestMayArriveInPieces() throws {
        let channel = try connected()
        for byte in PortMapperRequestTests.alive2Foo {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [118, 0, 0, 0, 0, 41]))
        #expect(channel.isActive)
    }

    @Test func aConnectionThatSendsNoRequestInTimeIsClosed() throws {
        let idle = try connected()
        idle.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(idle.isActive)
        idle.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!idle.isActive)
        let slow = try connected()
        try slow.writeInbound(ByteBuffer(bytes: [0, 16, 120]))
        slow.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!slow.isActive, "a request trickling in gets no more time than an idle one")
    }

    /// A connection to a fresh handler, as the daemon on port 4369 would see it from `peer`.
    private func connected(from peer: String = "127.0.0.1") throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: PortMapperServerHandler(
            registry: registry, maximumRequestLength: PortMapperRequest.defaultMaximumLength, requestTimeout: .seconds(10)
        ))
        channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 4369)
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 50000)
        try channel.connect(to: channel.remoteAddress!).wait()
        return channel
    }
}
