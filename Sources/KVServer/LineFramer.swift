import NIOCore

/// Cuts the bytes a client sends into lines, as `:gen_tcp` with `packet: :line` does for the
/// guide's server, but with a limit: a line that grows past `maxLineLength` is refused rather
/// than buffered without end.
struct LineFramer {
    enum Frame: Equatable {
        /// A line without its `\n` (a `\r` before it stays: the parser takes it for whitespace).
        case line(ByteBuffer)
        /// The line being received is longer than the limit.
        case tooLong
    }

    let maxLineLength: Int
    /// Bytes received and not yet cut into a line.
    private var pending: ByteBuffer?

    init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    /// Bytes received and not yet part of a whole line.
    var pendingByteCount: Int { pending?.readableBytes ?? 0 }

    /// Takes the bytes of one read.
    mutating func append(_ bytes: ByteBuffer) {
        if pending == nil || pending!.readableBytes == 0 {
            pending = bytes
        } else {
            var incoming = bytes
            pending!.writeBuffer(&incoming)
        }
    }

    /// The next whole line, `.tooLong` once the line under way passed the limit, nil until more bytes come.
    /// Lines are slices of the bytes received: no copy.
    mutating func next() -> Frame? {
        guard var buffer = pending else { return nil }
        let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n"))
        guard let newline else {
            if buffer.readableBytes > maxLineLength { pending = nil; return .tooLong }
            // Keep only the unfinished line, so a slow trickle does not pin every read's buffer.
            if buffer.readerIndex > 0 && buffer.readerIndex >= buffer.capacity / 2 { buffer.discardReadBytes() }
            pending = buffer
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= maxLineLength else { pending = nil; return .tooLong }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        pending = buffer.readableBytes == 0 ? nil : buffer
        return .line(line)
    }
}
