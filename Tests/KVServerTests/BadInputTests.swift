import ETF
import KV
import NodeRuntime
import Testing
@testable import KVServer

/// What the issue lists under "Bad input": each must leave the server serving everyone else.
@Suite(.serialized) struct BadInputTests {
    @Test func aLineLongerThan64KiBGetsAnErrorLineAndTheConnectionCloses() async throws {
        try await withServer { server, _ in
            let client = try RawClient(port: server.port)
            try client.send("CREATE a\r\n")
            try client.send([UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024 + 10))
            let (bytes, closed) = try await client.read(count: .max, timeout: .seconds(5))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("OK\r\nERROR line too long"))
            #expect(text.hasSuffix("\r\n"))
            #expect(closed)
            try await expectServing(server)
        }
    }

    @Test func binaryGarbageIsAnUnknownCommandPerLine() async throws {
        try await withServer { server, _ in
            let client = try RawClient(port: server.port)
            var garbage: [UInt8] = []
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<100 {
                garbage += (0..<50).map { _ in UInt8.random(in: 0...255, using: &generator) }.filter { $0 != 10 }
                garbage.append(10)
            }
            garbage += Array("GET\0 a b\n\u{FF}PUT a b c\nCREATE\n".utf8)
            try client.send(garbage)
            let expected = String(repeating: "UNKNOWN COMMAND\r\n", count: 103)
            #expect(try await client.replies(expected) == expected)
            try await expectServing(server)
        }
    }

    @Test func aSilentClientAndAHalfLineAreClosedAfterTheIdleTimeout() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }) { server, _ in
            let silent = try RawClient(port: server.port)
            let halfLine = try RawClient(port: server.port)
            try halfLine.send("GET shopp")
            #expect(try await silent.waitForClose(timeout: .seconds(5)))
            #expect(try await halfLine.waitForClose(timeout: .seconds(5)))
            try await expectServing(server)
        }
    }

    @Test func aClientThatNeverReadsIsDisconnectedAfterItsRepliesPileUp() async throws {
        try await withServer({
            $0.maxPendingOutput = 64 * 1024
            $0.stalledWriterTimeout = .milliseconds(300)
        }) { server, _ in
            let setup = try RawClient(port: server.port)
            let big = String(repeating: "v", count: 60_000)
            try setup.send("CREATE big\r\nPUT big k \(big)\r\n")
            #expect(try await setup.replies("OK\r\nOK\r\n") == "OK\r\nOK\r\n")
            let reader = try RawClient(port: server.port, receiveBuffer: 4096)
            let request = Array(String(repeating: "GET big k\r\n", count: 100).utf8)
            let deadline = ContinuousClock.now + .seconds(20)
            while server.connectionCount > 1 && ContinuousClock.now < deadline {
                _ = reader.trySend(request)
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(server.connectionCount == 1)
            try await expectServing(server)
        }
    }

    @Test func tenThousandConnectionsOpenedAndDroppedLeaveNothingBehind() async throws {
        try await withServer { server, _ in
            let keeper = try RawClient(port: server.port)
            try keeper.send("CREATE kept\r\nPUT kept k v\r\n")
            #expect(try await keeper.replies("OK\r\nOK\r\n") == "OK\r\nOK\r\n")
            for round in 0..<100 {
                // Some leave mid-line, some mid-command: none of it may disturb the others.
                let batch = try (0..<100).map { _ in try RawClient(port: server.port) }
                for (i, client) in batch.enumerated() where i % 3 == 0 { _ = client.trySend(Array("GET kept k\r\nPUT ke".utf8)) }
                _ = round
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while server.connectionCount > 1 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.connectionCount == 1)
            try keeper.send("GET kept k\r\n")
            #expect(try await keeper.replies("v\r\nOK\r\n") == "v\r\nOK\r\n")
            try await expectServing(server)
        }
    }

    /// A new client still gets its answers.
    private func expectServing(_ server: KVServer) async throws {
        let client = try RawClient(port: server.port)
        try client.send("CREATE check\r\nPUT check k 1\r\nGET check k\r\n")
        #expect(try await client.replies("OK\r\nOK\r\n1\r\nOK\r\n") == "OK\r\nOK\r\n1\r\nOK\r\n")
    }
}
