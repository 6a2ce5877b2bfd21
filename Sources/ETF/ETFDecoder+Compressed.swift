import CZlib

/// Compressed terms: `131, 80, UncompressedSize:32, zlib stream`, as `term_to_binary(T, [compressed])`
/// writes them. The declared size is checked against the cap before any memory is taken, and the
/// stream must inflate to exactly that size: no more (a bomb), no less (a lie).
extension ETFDecoder {
    func decodeCompressed(_ reader: inout TermReader) throws(ETFDecodingError) -> (term: Term, end: Int) {
        let offset = reader.position
        reader.position += 1
        let size = Int(try reader.u32())
        guard size <= limits.maxInflatedSize else {
            throw .compressedTooLarge(size: size, limit: limits.maxInflatedSize, offset: offset)
        }
        let input = UnsafeRawBufferPointer(start: reader.base + reader.position, count: reader.end - reader.position)
        let (inflated, consumed) = try Self.inflate(input, size: size, at: offset)
        let term = try decodeBody(inflated)
        return (term, reader.position + consumed)
    }

    /// Inflates one zlib stream into exactly `size` bytes.
    /// - Returns: the bytes and how many input bytes the stream took (frames may hold more after it).
    static func inflate(_ input: UnsafeRawBufferPointer, size: Int, at offset: Int) throws(ETFDecodingError) -> ([UInt8], Int) {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .invalidCompressedData(offset: offset)
        }
        defer { inflateEnd(&stream) }
        // One spare byte: a stream that fills it inflates to more than the header declared.
        var output = [UInt8](repeating: 0, count: size + 1)
        let status: Int32 = output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(clamping: input.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            return CZlib.inflate(&stream, Z_FINISH)
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END:
            guard produced == size else { throw .compressedSizeMismatch(declared: size, offset: offset) }
            output.removeLast()
            return (output, Int(stream.total_in))
        case Z_OK where stream.avail_out == 0, Z_BUF_ERROR where stream.avail_out == 0:
            throw .compressedSizeMismatch(declared: size, offset: offset)
        case Z_OK, Z_BUF_ERROR:
            // The input ran out before the stream's end.
            throw .truncated(offset: offset + 5 + input.count)
        default:
            throw .invalidCompressedData(offset: offset)
        }
    }
}
