#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads lines with plain `read(2)`, for piped stdin: prompts are written without a newline
/// and nothing is echoed, as iex does. Lines are raw bytes of any length; the session decides
/// what to do with bytes that are not UTF-8.
public struct PipedLineReader: LineReader {
    private let fileDescriptor: Int32
    private let output: any ShellOutput
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts.
    private var start = 0
    private var atEnd = false
    /// The size of one `read(2)`.
    private let chunkSize: Int

    /// - Parameters:
    ///   - fileDescriptor: where lines come from (stdin by default).
    ///   - output: where prompts go.
    ///   - chunkSize: bytes asked for per `read(2)`.
    public init(fileDescriptor: Int32 = 0, output: any ShellOutput, chunkSize: Int = 64 * 1024) {
        self.fileDescriptor = fileDescriptor
        self.output = output
        self.chunkSize = chunkSize
    }

    public mutating func readLine(prompt: String) async -> LineInput {
        output.write(prompt)
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                compact()
                return .line(line)
            }
            searchFrom = buffer.count
            if atEnd {
                guard start < buffer.count else { return .endOfInput }
                let line = Array(buffer[start...])
                start = buffer.count
                compact()
                return .line(line)
            }
            switch fill() {
            case .read: continue
            case .end: atEnd = true
            case .interrupted:
                buffer.removeSubrange(start...)
                return .interrupted
            }
        }
    }

    private enum FillResult { case read, end, interrupted }

    private mutating func fill() -> FillResult {
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, chunkSize) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return .read
            }
            if count == 0 { return .end }
            if errno == EINTR {
                if SignalInterrupts.takePending() { return .interrupted }
                continue
            }
            return .end
        }
    }

    /// Drops consumed bytes once they make up most of the buffer, keeping appends cheap.
    private mutating func compact() {
        if start > 0 && start * 2 >= buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }
}
