#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to stdout with `write(2)`, unbuffered, so a prompt shows before the read it announces.
public final class StandardOutput: ShellOutput, Sendable {
    public init() {}

    public func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { writeToStandardOutput($0) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}

/// `write(2)` to fd 1; a free function so the name is not shadowed by `StandardOutput.write`.
private func writeToStandardOutput(_ bytes: UnsafeRawBufferPointer) -> Int {
    write(1, bytes.baseAddress, bytes.count)
}
