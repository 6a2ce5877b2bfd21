/// Where one reply ends in the bytes received, without knowing whether it is right: a reply is
/// one line, except the answer to a GET that is not an error line (the value, then `OK`). Lines
/// end at `\n`. Framing by the protocol's shape rather than by the expected bytes keeps the
/// replies after a wrong one in step, so one mistake is counted once.
enum ReplyFraming {
    /// The end (exclusive) of the reply starting at `start`, or nil when it has not all arrived.
    static func end(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, isGet: Bool) -> Int? {
        guard let firstEnd = lineEnd(in: bytes, from: start) else { return nil }
        if !isGet || isErrorLine(bytes, start..<firstEnd) { return firstEnd }
        return lineEnd(in: bytes, from: firstEnd)
    }

    private static func lineEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { return index + 1 }
            index += 1
        }
        return nil
    }

    private static let errorLines: [[UInt8]] = ["NOT FOUND\r\n", "UNKNOWN COMMAND\r\n"].map { Array($0.utf8) }
    private static let errorPrefix = Array("ERROR".utf8)

    /// The guide's `NOT FOUND` and `UNKNOWN COMMAND`, and any line starting with `ERROR`.
    private static func isErrorLine(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        let text = bytes[line]
        return errorLines.contains { text.elementsEqual($0) } || text.starts(with: errorPrefix)
    }
}
