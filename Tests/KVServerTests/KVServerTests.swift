import ETF
import KV
import NodeRuntime
import Testing
@testable import KVServer

/// A server on one node, over real sockets on an ephemeral port.
func withServer(
    _ configure: (inout KVServerConfiguration) -> Void = { _ in },
    _ body: (KVServer, KVApplication) async throws -> Void
) async throws {
    let node = LocalNode()
    let application = try KVApplication.start(on: node)
    var configuration = KVServerConfiguration()
    configure(&configuration)
    let server = try await KVServer.start(serving: application, host: "127.0.0.1", port: 0, configuration: configuration)
    do {
        try await body(server, application)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite(.serialized) struct KVServerTests {
    @Test func theGuidesSessionByteForByte() async throws {
        try await withServer { server, _ in
            let client = try RawClient(port: server.port)
            try client.send("CREATE shopping\r\n")
            #expect(try await client.replies("OK\r\n") == "OK\r\n")
            try client.send("PUT shopping milk 1\r\n")
            #expect(try await client.replies("OK\r\n") == "OK\r\n")
            try client.send("GET shopping milk\r\n")
            #expect(try await client.replies("1\r\nOK\r\n") == "1\r\nOK\r\n")
            try client.send("DELETE shopping milk\r\nGET shopping eggs\r\nFOO\r\nGET nosuchbucket milk\r\n")
            let expected = "OK\r\n\r\nOK\r\nUNKNOWN COMMAND\r\nNOT FOUND\r\n"
            #expect(try await client.replies(expected) == expected)
        }
    }

    @Test func pipelinedCommandsAreAnsweredInOrderAcrossCreates() async throws {
        try await withServer { server, _ in
            let client = try RawClient(port: server.port)
            var sent = ""
            var expected = ""
            for i in 0..<200 {
                sent += "CREATE b\(i % 7)\r\nPUT b\(i % 7) k\(i) v\(i)\r\nGET b\(i % 7) k\(i)\r\n"
                expected += "OK\r\nOK\r\nv\(i)\r\nOK\r\n"
            }
            try client.send(sent)
            #expect(try await client.replies(expected) == expected)
        }
    }

    @Test func manyClientsAtOnce() async throws {
        try await withServer { server, _ in
            let clients = try (0..<50).map { _ in try RawClient(port: server.port) }
            for (i, client) in clients.enumerated() {
                try client.send("CREATE shared\r\nPUT shared c\(i) \(i)\r\n")
            }
            for client in clients { #expect(try await client.replies("OK\r\nOK\r\n") == "OK\r\nOK\r\n") }
            for (i, client) in clients.enumerated() {
                try client.send("GET shared c\((i + 1) % clients.count)\r\n")
                let expected = "\((i + 1) % clients.count)\r\nOK\r\n"
                #expect(try await client.replies(expected) == expected)
            }
        }
    }

    @Test func aBucketBusyWithAFunctionStillAnswersInOrder() async throws {
        try await withServer { server, application in
            let client = try RawClient(port: server.port)
            try client.send("CREATE fruit\r\nPUT fruit apple 1\r\n")
            #expect(try await client.replies("OK\r\nOK\r\n") == "OK\r\nOK\r\n")
            // An Agent message from a process, as the shell would send, on the same state.
            let bucket = try #require(application.registry.lookup(Array("fruit".utf8)))
            let reply = try await ask(application.node, bucket, .tuple([.atom("get_and_update"), .tuple([
                .atom("Elixir.Map"), .atom("pop"), .list([.binary(Array("apple".utf8))])])]))
            #expect(reply == .binary(Array("1".utf8)))
            try client.send("GET fruit apple\r\n")
            #expect(try await client.replies("\r\nOK\r\n") == "\r\nOK\r\n")
        }
    }

    /// A slow function-based Agent update is in the bucket's mailbox first: the server's PUT that
    /// comes while it runs must wait for it (the direct path falls back to the mailbox), so the
    /// PUT is not lost under the update's result.
    @Test func aPutDuringASlowAgentFunctionComesAfterIt() async throws {
        try await withServer { server, application in
            application.node.setCodeRunner(SlowUpdate())
            let client = try RawClient(port: server.port)
            try client.send("CREATE fruit\r\nPUT fruit apple 1\r\n")
            #expect(try await client.replies("OK\r\nOK\r\n") == "OK\r\nOK\r\n")
            let bucket = try #require(application.registry.lookup(Array("fruit".utf8)))
            let update = Task {
                try await ask(application.node, bucket, .tuple([.atom("get_and_update"), .tuple([
                    .atom(SlowUpdate.module), .atom("mark"), .emptyList])]))
            }
            try await Task.sleep(for: .milliseconds(50))
            try client.send("PUT fruit apple 2\r\nGET fruit apple\r\n")
            #expect(try await client.replies("OK\r\n2\r\nOK\r\n") == "OK\r\n2\r\nOK\r\n")
            #expect(try await update.value == .binary(Array("1".utf8)))
            try client.send("GET fruit apple\r\n")
            #expect(try await client.replies("2\r\nOK\r\n") == "2\r\nOK\r\n")
        }
    }
}

/// `SlowUpdate.mark(map)`: after 300 ms, `{map["apple"], Map.put(map, "apple", "slow")}`.
private struct SlowUpdate: CodeRunner {
    static let module = Atom("Elixir.SlowUpdate")

    func apply(_ module: Atom, _ function: Atom, _ arguments: [Term], in process: NodeRuntime.Process) async throws -> Term {
        try await Task.sleep(for: .milliseconds(300))
        guard case .map(var map)? = arguments.first else { return .atom("badarg") }
        let key = Term.binary(Array("apple".utf8))
        let old = map[key] ?? .atom("nil")
        map[key] = .binary(Array("slow".utf8))
        return .tuple([old, .map(map)])
    }
}

/// A GenServer call from a short-lived process of `node`.
func ask(_ node: LocalNode, _ pid: Pid, _ request: Term) async throws -> Term {
    try await withCheckedThrowingContinuation { continuation in
        node.spawn { process in
            do {
                continuation.resume(returning: try await GenServer.call(.pid(pid), request, from: process))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
