import NIOCore
import Testing
@testable import KVServer

@Suite struct LineFramerTests {
    private func lines(_ framer: inout LineFramer) -> [String] {
        var out: [String] = []
        while let frame = framer.next() {
            switch frame {
            case .line(let line): out.append(String(buffer: line))
            case .tooLong: out.append("<too long>")
            }
        }
        return out
    }

    @Test func linesCutAtEveryNewlineFedByteByByte() {
        var framer = LineFramer(maxLineLength: 100)
        var seen: [String] = []
        for byte in "CREATE a\r\nGET a k\n\nPUT".utf8 {
            framer.append(ByteBuffer(bytes: [byte]))
            seen += lines(&framer)
        }
        #expect(seen == ["CREATE a\r", "GET a k", ""])
        #expect(framer.pendingByteCount == 3)
    }

    @Test func aLineLongerThanTheLimitIsRefusedWithOrWithoutItsNewline() {
        var framer = LineFramer(maxLineLength: 4)
        framer.append(ByteBuffer(string: "abcd\n"))
        #expect(lines(&framer) == ["abcd"])
        framer.append(ByteBuffer(string: "abcde\n"))
        #expect(lines(&framer) == ["<too long>"])
        var unfinished = LineFramer(maxLineLength: 4)
        unfinished.append(ByteBuffer(string: "abc"))
        #expect(lines(&unfinished) == [])
        unfinished.append(ByteBuffer(string: "de"))
        #expect(lines(&unfinished) == ["<too long>"])
    }
}
