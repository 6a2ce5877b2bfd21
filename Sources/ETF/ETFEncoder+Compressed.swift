import CZlib

/// `term_to_binary(T, [compressed])`: worth it for large, repetitive payloads; the distribution
/// protocol accepts a compressed term anywhere a term may start with its version byte.
extension ETFEncoder {
    /// The version byte, tag 80, the uncompressed size and a zlib stream of the term.
    /// - Parameter level: zlib's level, 1 (fast) to 9 (small); erl's default is 6.
    public func encodeCompressed(_ term: Term, level: Int32 = 6) -> [UInt8] {
        var plain: [UInt8] = []
        encode(term, into: &plain)
        var bound = compressBound(uLong(plain.count))
        var output = [UInt8](repeating: 0, count: 6 + Int(bound))
        output[0] = ExternalTermFormat.version
        output[1] = ExternalTermFormat.Tag.compressed
        let size = UInt32(truncatingIfNeeded: plain.count)
        for index in 0..<4 { output[2 + index] = UInt8(truncatingIfNeeded: size >> (24 - 8 * index)) }
        let status = output.withUnsafeMutableBufferPointer { out in
            plain.withUnsafeBufferPointer { input in
                compress2(out.baseAddress! + 6, &bound, input.baseAddress, uLong(input.count), level)
            }
        }
        // compress2 cannot fail with a buffer of compressBound's size and a valid level.
        precondition(status == Z_OK, "zlib compress2 failed: \(status)")
        output.removeLast(output.count - 6 - Int(bound))
        return output
    }
}
