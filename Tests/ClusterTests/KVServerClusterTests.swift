import Foundation
import Testing

/// foo and bar under the guide's table (a..m on foo, n..z on bar), each serving the text protocol
/// on a port of its own: the routed set-up of these tests and of LoadGenTests.
final class RoutedServers {
    let mapper: PortMapperProcess
    let table: RouterTests.TableFile
    let fooPort: Int
    let barPort: Int
    let foo: PeerNode
    private(set) var bar: PeerNode

    init() async throws {
        mapper = try PortMapperProcess()
        table = try RouterTests.TableFile()
        (fooPort, barPort) = (try PortMapperProcess.freePort(), try PortMapperProcess.freePort())
        foo = try await PeerNode("foo", mapper: mapper, arguments: Self.arguments(table, port: fooPort))
        bar = try await PeerNode("bar", mapper: mapper, arguments: Self.arguments(table, port: barPort))
    }

    /// bar started again, on its port, after it was killed.
    func restartBar() async throws {
        bar = try await PeerNode("bar", mapper: mapper, arguments: Self.arguments(table, port: barPort))
    }

    private static func arguments(_ table: RouterTests.TableFile, port: Int) -> [String] {
        ["--routing-table", table.url.path, "--port", "\(port)"]
    }
}

/// The text server of "Wiring it all up" on real kvsh nodes: foo serves clients, the guide's table
/// puts `shopping` on bar, and a command for bar's bucket goes there and back.
@Suite(.serialized, .tags(.distributed)) struct KVServerClusterTests {
    /// A line client on a blocking socket (the work happens in the child processes).
    final class LineClient {
        private let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 15, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard withLoopback(port: port, { connect(fd, $0, $1) }) == 0 else { close(fd); throw CocoaError(.fileReadNoSuchFile) }
        }

        deinit { close(fd) }

        /// Sends `command` and reads `lines` reply lines (fewer if the server closes or 15 s pass).
        func send(_ command: String, lines: Int = 1) -> String {
            write(command + "\r\n")
            return read(lines: lines)
        }

        func write(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Reads `lines` lines (fewer if the server closes or 15 s pass).
        func read(lines: Int) -> String {
            var received: [UInt8] = []
            var byte: UInt8 = 0
            while received.count(where: { $0 == 10 }) < lines, recv(fd, &byte, 1, 0) == 1 { received.append(byte) }
            return String(decoding: received, as: UTF8.self)
        }
    }

    @Test func commandsForBarsBucketsAreAnsweredThroughFoo() async throws {
        let servers = try await RoutedServers()
        let (foo, bar, fooPort, barPort) = (servers.foo, servers.bar, servers.fooPort, servers.barPort)
        let client = try LineClient(port: fooPort)
        #expect(client.send("CREATE shopping") == "OK\r\n")
        #expect(client.send("PUT shopping milk 1") == "OK\r\n")
        #expect(client.send("GET shopping milk", lines: 2) == "1\r\nOK\r\n")
        #expect(client.send("DELETE shopping milk") == "OK\r\n")
        #expect(client.send("GET shopping eggs", lines: 2) == "\r\nOK\r\n")
        #expect(client.send("FOO") == "UNKNOWN COMMAND\r\n")
        #expect(client.send("GET nosuchbucket milk") == "NOT FOUND\r\n")
        // The bucket lives in bar's registry, and bar's own server sees what foo's clients wrote.
        #expect(try await bar.enter("{:ok, _} = KV.Registry.lookup(KV.Registry, \"shopping\")", lines: 1).hasPrefix("{:ok, #PID<0."))
        #expect(try await foo.enter("KV.Registry.lookup(KV.Registry, \"shopping\")", lines: 1) == ":error")
        #expect(try LineClient(port: fooPort).send("PUT shopping eggs 3") == "OK\r\n")
        #expect(try LineClient(port: barPort).send("GET shopping eggs", lines: 2) == "3\r\nOK\r\n")
    }

    /// bar has no server, so no command server either: foo takes the guide's path (`KV.Router`).
    @Test func aNodeWithoutACommandServerIsReachedThroughTheRouter() async throws {
        let mapper = try PortMapperProcess()
        let file = try RouterTests.TableFile()
        let fooPort = try PortMapperProcess.freePort()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--routing-table", file.url.path, "--port", "\(fooPort)"])
        let bar = try await PeerNode("bar", mapper: mapper, arguments: ["--routing-table", file.url.path])
        let client = try LineClient(port: fooPort)
        #expect(client.send("CREATE shopping") == "OK\r\n")
        #expect(client.send("PUT shopping milk 1") == "OK\r\n")
        #expect(client.send("GET shopping milk", lines: 2) == "1\r\nOK\r\n")
        #expect(try await bar.enter("{:ok, _} = KV.Registry.lookup(KV.Registry, \"shopping\")", lines: 1).hasPrefix("{:ok, #PID<0."))
        #expect(try await foo.enter("KV.Registry.lookup(KV.Registry, \"shopping\")", lines: 1) == ":error")
    }

    /// bar down: an error line, in bounded time, on a connection that stays open; bar back: it works again.
    @Test func aBucketOnANodeThatIsDownGivesAnErrorLineUntilItIsBack() async throws {
        let servers = try await RoutedServers()
        let client = try LineClient(port: servers.fooPort)
        #expect(client.send("CREATE shopping") == "OK\r\n")
        #expect(client.send("CREATE apples") == "OK\r\n")
        servers.bar.kill()
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        let failure = client.send("GET shopping milk")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(failure.hasPrefix("ERROR ") && failure.hasSuffix("\r\n"), "\(failure)")
        // The connection stays, and foo's own buckets answer meanwhile.
        #expect(client.send("PUT apples red 1") == "OK\r\n")
        try await servers.restartBar()
        // bar came back empty, as the guide's node does.
        #expect(client.send("GET shopping milk") == "NOT FOUND\r\n")
        #expect(client.send("CREATE shopping") == "OK\r\n")
        #expect(client.send("PUT shopping milk 2") == "OK\r\n")
        #expect(client.send("GET shopping milk", lines: 2) == "2\r\nOK\r\n")
        #expect(client.send("GET apples red", lines: 2) == "1\r\nOK\r\n")
        #expect(try await servers.foo.enter("1 + 1", lines: 1) == "2")
    }

    /// bar frozen (its connection stays open, it answers nothing): an error line after the
    /// timeout, not a wait for the net tick; bar thawed: answers again.
    @Test func aBucketOnAFrozenNodeGivesAnErrorLineAfterTheTimeout() async throws {
        let servers = try await RoutedServers()
        let client = try LineClient(port: servers.fooPort)
        #expect(client.send("CREATE shopping") == "OK\r\n")
        servers.bar.suspend()
        let started = Date()
        let failure = client.send("PUT shopping milk 1")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(failure == "ERROR :timeout\r\n", "\(failure)")
        #expect(client.send("CREATE apples") == "OK\r\n")
        servers.bar.resume()
        #expect(client.send("PUT shopping milk 2") == "OK\r\n")
        #expect(client.send("GET shopping milk", lines: 2) == "2\r\nOK\r\n")
    }

    /// `--no-shell`: no prompt, logs on stderr (connections at debug level with `KVSH_LOG=debug`),
    /// and SIGTERM answers what clients sent before closing, then exits 0.
    @Test func aServiceStopsCleanlyOnSIGTERM() async throws {
        let mapper = try PortMapperProcess()
        let port = try PortMapperProcess.freePort()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let service = Foundation.Process()
        service.executableURL = Build.kvsh
        service.arguments = ["--sname", "svc", "--cookie", "kvshtestcookie", "--no-shell"]
        var environment = mapper.environment(home: home)
        environment["PORT"] = "\(port)"
        environment["KVSH_LOG"] = "debug"
        service.environment = environment
        let output = Pipe(), errors = Pipe()
        service.standardOutput = output
        service.standardError = errors
        try service.run()
        defer { if service.isRunning { service.terminate() } }
        for _ in 0..<300 where !PortMapperProcess.canConnect(port: port) { try await Task.sleep(for: .milliseconds(20)) }
        let client = try LineClient(port: port)
        #expect(client.send("CREATE cart") == "OK\r\n")
        client.write((0..<500).map { "PUT cart k\($0) \($0)\r\nGET cart k\($0)\r\n" }.joined())
        try await Task.sleep(for: .milliseconds(100))
        kill(service.processIdentifier, SIGTERM)
        // Every command received before the signal is answered before the connection closes.
        #expect(client.read(lines: 1500) == (0..<500).map { "OK\r\n\($0)\r\nOK\r\n" }.joined())
        #expect(client.read(lines: 1).isEmpty)
        service.waitUntilExit()
        #expect(service.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("accepting connections on port \(port)"))
        #expect(log.contains("accepted a connection"))
        #expect(output.fileHandleForReading.readDataToEndOfFile().isEmpty)
    }
}
