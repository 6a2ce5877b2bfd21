import NIOCore

/// One frame read off a distribution connection.
public enum DistributionFrame: Sendable, Equatable {
    /// A connected-state frame of length zero: the peer is alive (`net_kernel`'s tick).
    case tick
    /// The bytes of a frame after its length prefix: a handshake message (`'N'`, `'s'`, …) or a
    /// connected-state frame body for `ControlMessage.decode(frameBody:)`. The buffer is a slice
    /// of the bytes read, not a copy.
    case body(ByteBuffer)
}

/// Which framing a connection is in: 2-byte lengths during the handshake, 4-byte lengths after it.
public enum DistributionFrameMode: Sendable, Equatable {
    case handshake
    case connected

    /// The size of the big-endian length prefix.
    public var lengthFieldSize: Int {
        switch self {
        case .handshake: 2
        case .connected: 4
        }
    }
}

// MARK: - Parser

/// Cuts length-prefixed frames out of a byte stream, with no I/O: NIO's decoder below, tests and
/// any other transport drive it the same way.
public struct DistributionFrameParser: Sendable {
    /// The default cap on a frame's length: 64 MiB. OTP itself sets no cap, but a peer can declare
    /// up to 4 GiB in a length field; a kvsh session has no use for single messages this large,
    /// and refusing them keeps one bad length from exhausting memory.
    public static let defaultMaxFrameSize = 64 << 20

    public var mode: DistributionFrameMode
    /// Frames longer than this are refused (`DistributionError.frameTooLarge`). A handshake frame
    /// is at most 65,535 bytes by its 2-byte length anyway.
    public let maxFrameSize: Int

    public init(mode: DistributionFrameMode, maxFrameSize: Int = DistributionFrameParser.defaultMaxFrameSize) {
        self.mode = mode
        self.maxFrameSize = maxFrameSize
    }

    /// Takes the next whole frame off the front of `buffer`.
    ///
    /// The length is peeked, not read: on short input nothing is consumed, and an oversized
    /// length is refused before any byte of its frame is waited for or copied.
    /// - Returns: the frame, or nil when `buffer` does not hold a whole one yet (the reader index
    ///   is then unchanged). In handshake mode a zero length is returned as an empty body, for the
    ///   handshake to reject; only connected mode has ticks.
    /// - Throws: `DistributionError.frameTooLarge` for a length over `maxFrameSize`.
    public func next(from buffer: inout ByteBuffer) throws(DistributionError) -> DistributionFrame? {
        let start = buffer.readerIndex
        let length: Int
        switch mode {
        case .handshake:
            guard let value = buffer.getInteger(at: start, endianness: .big, as: UInt16.self) else { return nil }
            length = Int(value)
        case .connected:
            guard let value = buffer.getInteger(at: start, endianness: .big, as: UInt32.self) else { return nil }
            length = Int(value)
        }
        guard length <= maxFrameSize else { throw .frameTooLarge(size: length, limit: maxFrameSize) }
        let headerSize = mode.lengthFieldSize
        guard buffer.readableBytes - headerSize >= length else { return nil }
        buffer.moveReaderIndex(forwardBy: headerSize)
        if length == 0, mode == .connected { return .tick }
        // The length was checked against the readable bytes just above.
        return .body(buffer.readSlice(length: length)!)
    }
}

// MARK: - NIO

/// The channel decoder: a thin wrapper over `DistributionFrameParser`, emitting `DistributionFrame`.
///
/// It is a class so the connection handler can switch its `mode` after the handshake: keep a
/// reference to the decoder given to `ByteToMessageHandler`, and set `mode = .connected` from the
/// handler's `channelRead` as soon as the last handshake message arrives. `ByteToMessageHandler`
/// calls `decode` again for bytes already buffered, so a frame that arrived in the same read as
/// the last handshake message is read with the new framing.
///
/// Not `Sendable`: like the handlers that share it, it is confined to the channel's event loop.
public final class DistributionFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = DistributionFrame

    private var parser: DistributionFrameParser

    public var mode: DistributionFrameMode {
        get { parser.mode }
        set { parser.mode = newValue }
    }

    public init(mode: DistributionFrameMode = .handshake, maxFrameSize: Int = DistributionFrameParser.defaultMaxFrameSize) {
        parser = DistributionFrameParser(mode: mode, maxFrameSize: maxFrameSize)
    }

    public func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try parser.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

/// The channel encoder: prefixes each outbound `ByteBuffer` with its length, 2 or 4 bytes by
/// `mode`. An empty buffer in connected mode is a tick. Switch `mode` as for the decoder.
public final class DistributionFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public var mode: DistributionFrameMode

    public init(mode: DistributionFrameMode = .handshake) {
        self.mode = mode
    }

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        try out.writeDistributionFrame(data.readableBytesView, mode: mode)
    }
}

extension ByteBuffer {
    /// Writes one frame: the body's length (2 bytes in handshake mode, 4 after) and the body.
    /// - Throws: `DistributionError.frameTooLarge` when the length does not fit the prefix.
    public mutating func writeDistributionFrame(
        _ body: some Collection<UInt8>, mode: DistributionFrameMode
    ) throws(DistributionError) {
        switch mode {
        case .handshake:
            guard let length = UInt16(exactly: body.count) else {
                throw .frameTooLarge(size: body.count, limit: Int(UInt16.max))
            }
            writeInteger(length, endianness: .big)
        case .connected:
            guard let length = UInt32(exactly: body.count) else {
                throw .frameTooLarge(size: body.count, limit: Int(UInt32.max))
            }
            writeInteger(length, endianness: .big)
        }
        writeBytes(body)
    }
}
