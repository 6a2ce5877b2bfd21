import Foundation
import Testing

/// The server benchmark's instrument: `Benchmarks/LoadGen` against real kvsh servers checks every
/// answer and passes, and against a server that answers wrongly it says so and fails.
@Suite(.serialized) struct LoadGenTests {
    static let loadGen = Build.root.appendingPathComponent(".build/debug/LoadGen")

    /// Runs LoadGen briefly against `ports`: its exit status and its last line.
    static func run(_ ports: [Int], mode: String, timeout: Int = 30) async throws -> (Int32, String) {
        let process = Foundation.Process()
        process.executableURL = loadGen
        process.arguments = [
            "--port", ports.map(String.init).joined(separator: ","), "--connections", "3", "--mode", mode,
            "--depth", "8", "--duration", "0.5", "--runs", "1", "--discard", "0", "--warmup", "20",
            "--timeout", "\(timeout)",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text.split(separator: "\n").last.map(String.init) ?? "")
    }

    /// Both modes against two routed nodes, clients on both: every answer right.
    @Test func aRoutedPairOfKvshServersPassesEveryCheck() async throws {
        let servers = try await RoutedServers()
        for mode in ["pipeline", "rr"] {
            let (status, summary) = try await Self.run([servers.fooPort, servers.barPort], mode: mode)
            #expect(status == 0, "\(mode): \(summary)")
            #expect(summary.contains(" errors=0 "), "\(mode): \(summary)")
        }
    }

    /// A server that answers `OK` to every line: LoadGen's GETs find it out (one of them waits
    /// for a value line that never comes, hence the short timeout).
    @Test func aServerThatAnswersWronglyFailsTheRun() async throws {
        let server = try WrongServer()
        let (status, _) = try await Self.run([server.port], mode: "rr", timeout: 1)
        #expect(status == 1)
    }
}

/// Answers `OK\r\n` to every line it reads, on a thread of its own per connection.
private final class WrongServer: Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        port = try PortMapperProcess.freePort()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard withLoopback(port: port, { bind(fd, $0, $1) }) == 0, listen(fd, 16) == 0 else { close(fd); throw PeerError.timedOut("cannot listen on \(port)") }
        listener = fd
        Thread.detachNewThread {
            while case let client = accept(fd, nil, nil), client >= 0 {
                Thread.detachNewThread { Self.serve(client) }
            }
        }
    }

    deinit { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private static func serve(_ client: Int32) {
        defer { close(client) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = recv(client, &buffer, buffer.count, 0), count > 0 {
            let reply = Array(String(repeating: "OK\r\n", count: buffer[..<count].count { $0 == 10 }).utf8)
            _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}
