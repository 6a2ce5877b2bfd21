import ETF
import NIOCore
import NIOEmbedded
import Testing
@testable import Distribution

@Suite struct DistributionFrameParserTests {
    /// A tick, a three-byte frame, another tick, then a frame whose bytes are `link`'s.
    static let connectedStream: [UInt8] =
        [0, 0, 0, 0] + [0, 0, 0, 3, 1, 2, 3] + [0, 0, 0, 0] + [0, 0, 0, 2, 112, 131]
    static let connectedFrames: [DistributionFrame] =
        [.tick, .body(ByteBuffer(bytes: [1, 2, 3])), .tick, .body(ByteBuffer(bytes: [112, 131]))]

    /// Feeds `bytes` in chunks of `size` to one buffer, collecting every frame the parser gives.
    static func parse(_ bytes: [UInt8], chunk size: Int, parser: DistributionFrameParser) throws -> [DistributionFrame] {
        var buffer = ByteBuffer()
        var frames: [DistributionFrame] = []
        for start in stride(from: 0, to: bytes.count, by: size) {
            buffer.writeBytes(bytes[start..<min(start + size, bytes.count)])
            while let frame = try parser.next(from: &buffer) { frames.append(frame) }
        }
        #expect(buffer.readableBytes == 0)
        return frames
    }

    @Test(arguments: [1, 2, 3, 5, 100])
    func connectedFramesInChunks(size: Int) throws {
        let frames = try Self.parse(Self.connectedStream, chunk: size, parser: DistributionFrameParser(mode: .connected))
        #expect(frames == Self.connectedFrames)
    }

    @Test(arguments: [1, 4, 100])
    func handshakeFramesInChunks(size: Int) throws {
        let stream: [UInt8] = [0, 3, 115, 111, 107] + [0, 0] + [0, 1, 97]
        let frames = try Self.parse(stream, chunk: size, parser: DistributionFrameParser(mode: .handshake))
        // A zero length is no tick in the handshake: it is an empty message, for the handshake to refuse.
        #expect(frames == [.body(ByteBuffer(string: "sok")), .body(ByteBuffer()), .body(ByteBuffer(string: "a"))])
    }

    @Test func shortInputLeavesTheReaderIndexAlone() throws {
        let parser = DistributionFrameParser(mode: .connected)
        for prefix in [[], [0, 0, 0], [0, 0, 0, 5, 1, 2]] as [[UInt8]] {
            var buffer = ByteBuffer(bytes: [9] + prefix)
            buffer.moveReaderIndex(forwardBy: 1)
            #expect(try parser.next(from: &buffer) == nil)
            #expect(buffer.readerIndex == 1)
            #expect(buffer.readableBytes == prefix.count)
        }
    }

    @Test func oversizedLengthIsRefusedBeforeItsBytesArrive() {
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: DistributionError.frameTooLarge(size: 4_294_967_295, limit: 67_108_864)) {
            try DistributionFrameParser(mode: .connected).next(from: &buffer)
        }
    }

    @Test func maxFrameSizeIsInclusive() throws {
        let parser = DistributionFrameParser(mode: .connected, maxFrameSize: 3)
        var fits = ByteBuffer(bytes: [0, 0, 0, 3, 1, 2, 3])
        #expect(try parser.next(from: &fits) == .body(ByteBuffer(bytes: [1, 2, 3])))
        var tooLong = ByteBuffer(bytes: [0, 0, 0, 4])
        #expect(throws: DistributionError.frameTooLarge(size: 4, limit: 3)) { try parser.next(from: &tooLong) }
        var handshake = ByteBuffer(bytes: [0, 4])
        #expect(throws: DistributionError.frameTooLarge(size: 4, limit: 3)) {
            try DistributionFrameParser(mode: .handshake, maxFrameSize: 3).next(from: &handshake)
        }
    }

    @Test func modeCanChangeBetweenFrames() throws {
        var parser = DistributionFrameParser(mode: .handshake)
        var buffer = ByteBuffer(bytes: [0, 1, 97] + [0, 0, 0, 0] + [0, 0, 0, 1, 112])
        #expect(try parser.next(from: &buffer) == .body(ByteBuffer(string: "a")))
        parser.mode = .connected
        #expect(try parser.next(from: &buffer) == .tick)
        #expect(try parser.next(from: &buffer) == .body(ByteBuffer(bytes: [112])))
        #expect(try parser.next(from: &buffer) == nil)
    }

    @Test func framesAreWrittenWithTheirLength() throws {
        var buffer = ByteBuffer()
        try buffer.writeDistributionFrame([115, 111, 107], mode: .handshake)
        try buffer.writeDistributionFrame([], mode: .connected)
        try buffer.writeDistributionFrame([112, 131], mode: .connected)
        #expect(Array(buffer.readableBytesView) == [0, 3, 115, 111, 107] + [0, 0, 0, 0] + [0, 0, 0, 2, 112, 131])
        #expect(throws: DistributionError.frameTooLarge(size: 65_536, limit: 65_535)) {
            try buffer.writeDistributionFrame([UInt8](repeating: 0, count: 65_536), mode: .handshake)
        }
    }
}

@Suite struct DistributionFrameCodecTests {
    /// Stands in for the connection handler: switches both codecs to 4-byte framing when the
    /// handshake's last message (`'a'`, the challenge ack) arrives.
    final class HandshakeSwitch: ChannelInboundHandler {
        typealias InboundIn = DistributionFrame
        typealias InboundOut = DistributionFrame
        let decoder: DistributionFrameDecoder
        let encoder: DistributionFrameEncoder

        init(decoder: DistributionFrameDecoder, encoder: DistributionFrameEncoder) {
            self.decoder = decoder
            self.encoder = encoder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            if case .body(let body) = frame, decoder.mode == .handshake, body.getInteger(at: body.readerIndex) == UInt8(ascii: "a") {
                decoder.mode = .connected
                encoder.mode = .connected
            }
            context.fireChannelRead(wrapInboundOut(frame))
        }
    }

    static func channel() throws -> (EmbeddedChannel, DistributionFrameDecoder) {
        let decoder = DistributionFrameDecoder()
        let encoder = DistributionFrameEncoder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(decoder), MessageToByteHandler(encoder),
            HandshakeSwitch(decoder: decoder, encoder: encoder),
        ])
        return (channel, decoder)
    }

    /// The handshake's last frame and the first connected frames in one read: the switch made
    /// while handling the first applies to the rest.
    @Test func switchesFramingMidRead() throws {
        let (channel, decoder) = try Self.channel()
        let link = RecordedNode.frame("link")
        var bytes: [UInt8] = [0, 17, 97] + [UInt8](repeating: 7, count: 16)
        bytes += [0, 0, 0, 0] + [0, 0, 0, UInt8(link.count)] + link
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        #expect(decoder.mode == .connected)
        let ack = try channel.readInbound(as: DistributionFrame.self)
        #expect(ack == .body(ByteBuffer(bytes: [97] + [UInt8](repeating: 7, count: 16))))
        #expect(try channel.readInbound(as: DistributionFrame.self) == .tick)
        guard case .body(let body)? = try channel.readInbound(as: DistributionFrame.self) else {
            Issue.record("expected the link frame")
            return
        }
        var atomCache = AtomCacheDecoder()
        let message = try ControlMessage.decode(frameBody: body, atomCache: &atomCache)
        #expect(message == .link(from: RecordedNode.a, to: RecordedNode.b))
        #expect(try channel.readInbound(as: DistributionFrame.self) == nil)

        try channel.writeOutbound(ByteBuffer())
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [0, 0, 0, 0]))
        #expect(try channel.finish().isClean)
    }

    @Test func oneByteAtATime() throws {
        let (channel, _) = try Self.channel()
        for byte: UInt8 in [0, 3, 115, 111, 107] {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try channel.readInbound(as: DistributionFrame.self) == .body(ByteBuffer(string: "sok")))
        try channel.writeOutbound(ByteBuffer(string: "sok"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [0, 3, 115, 111, 107]))
        #expect(try channel.finish().isClean)
    }

    /// A peer that closes halfway through a frame: the partial frame is dropped, nothing is read.
    @Test func partialFrameAtCloseIsDropped() throws {
        let (channel, _) = try Self.channel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 5, 1]))
        #expect(try channel.finish().isClean)
    }

    @Test func oversizedFrameIsAnError() throws {
        let decoder = DistributionFrameDecoder(mode: .connected)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        #expect(throws: DistributionError.frameTooLarge(size: 4_294_967_295, limit: 67_108_864)) {
            try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]))
        }
        _ = try? channel.finish()
    }
}
