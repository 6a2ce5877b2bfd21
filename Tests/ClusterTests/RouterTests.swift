import Foundation
import Testing

extension Tag {
    /// The guide's `@tag :distributed`: tests that need a second node. Here they start it.
    @Tag static var distributed: Tag
}

/// The guide's `KV.RouterTest` and its server-interaction test, against two real kvsh nodes that
/// split the buckets `a..m` (foo) and `n..z` (bar), as the chapter's routing table does.
@Suite(.serialized, .tags(.distributed)) struct RouterTests {
    /// The guide's table, for this machine's host.
    static var table: String {
        let host = Build.shortHostName
        return "[{?a..?m, :\"foo@\(host)\"}, {?n..?z, :\"bar@\(host)\"}]"
    }

    /// A file holding `table`, removed when the test ends.
    final class TableFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-table-\(UUID().uuidString).exs")
        init(_ text: String = RouterTests.table) throws { try text.write(to: url, atomically: true, encoding: .utf8) }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    @Test func routeRequestsAcrossNodes() async throws {
        let mapper = try PortMapperProcess()
        let file = try TableFile()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--routing-table", file.url.path])
        let bar = try await PeerNode("bar", mapper: mapper, arguments: ["--routing-table", file.url.path])
        for node in [foo, bar] {
            #expect(Transcript.normalize(try await node.enter("KV.Router.route(\"hello\", Kernel, :node, [])", lines: 1)) == ":foo@vm")
            #expect(Transcript.normalize(try await node.enter("KV.Router.route(\"world\", Kernel, :node, [])", lines: 1)) == ":bar@vm")
        }
    }

    /// The bucket commands typed at foo's prompt: `shopping` lives on bar.
    @Test func serverInteraction() async throws {
        let mapper = try PortMapperProcess()
        let file = try TableFile()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--routing-table", file.url.path])
        let bar = try await PeerNode("bar", mapper: mapper, arguments: ["--routing-table", file.url.path])
        #expect(try await foo.enter("CREATE shopping", lines: 1) == "OK")
        #expect(try await foo.enter("PUT shopping milk 1", lines: 1) == "OK")
        #expect(try await foo.enter("GET shopping milk", lines: 2) == "1\nOK")
        #expect(try await foo.enter("DELETE shopping milk", lines: 1) == "OK")
        #expect(try await foo.enter("GET shopping milk", lines: 2) == "\nOK")
        #expect(try await foo.enter("GET nosuchbucket milk", lines: 1) == "NOT FOUND")
        #expect(try await foo.enter("GET shopping", lines: 1) == "UNKNOWN COMMAND")
        // The bucket is on bar, in bar's registry.
        #expect(try await bar.enter("{:ok, pid} = KV.Registry.lookup(KV.Registry, \"shopping\")", lines: 1).hasPrefix("{:ok, #PID<0."))
        #expect(try await bar.enter("KV.Bucket.put(pid, \"eggs\", \"3\")", lines: 1) == ":ok")
        #expect(try await foo.enter("GET shopping eggs", lines: 2) == "3\nOK")
    }

    /// A node that is down gives an error in the await's time, and routing works again once it is back.
    @Test func routingToANodeThatIsDownFailsCleanlyAndRecovers() async throws {
        let mapper = try PortMapperProcess()
        let file = try TableFile()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--routing-table", file.url.path])
        var bar = try await PeerNode("bar", mapper: mapper, arguments: ["--routing-table", file.url.path])
        #expect(Transcript.normalize(try await foo.enter("KV.Router.route(\"world\", Kernel, :node, [])", lines: 1)) == ":bar@vm")
        bar.kill()
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        let failure = try await foo.enter("KV.Router.route(\"world\", Kernel, :node, [])", lines: 2)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(failure.hasPrefix("** (exit) exited in: "), "\(failure)")
        #expect(failure.contains("no connection to bar@") || failure.contains("noconnection"), "\(failure)")
        // The shell goes on, and so does routing once bar is back.
        #expect(Transcript.normalize(try await foo.enter("KV.Router.route(\"hello\", Kernel, :node, [])", lines: 1)) == ":foo@vm")
        bar = try await PeerNode("bar", mapper: mapper, arguments: ["--routing-table", file.url.path])
        #expect(Transcript.normalize(try await foo.enter("KV.Router.route(\"world\", Kernel, :node, [])", lines: 1)) == ":bar@vm")
    }

    /// foo sends `w` to bar and bar sends it back to foo: the second hop sees the loop in the
    /// task's callers and raises instead of starting tasks forever.
    @Test func aRoutingLoopIsAnErrorNotAnEndlessChainOfTasks() async throws {
        let mapper = try PortMapperProcess()
        let file = try TableFile()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--routing-table", file.url.path])
        let bar = try await PeerNode("bar", mapper: mapper, arguments: ["--routing-table", file.url.path])
        try await bar.enter("Application.put_env(:kv, :routing_table, [{?a..?z, :\"\(foo.fullName)\"}])", lines: 1)
        let failure = try await foo.enter("KV.Router.route(\"world\", Kernel, :node, [])", lines: 2)
        #expect(failure.contains("routing loop"), "\(failure)")
        #expect(Transcript.normalize(try await foo.enter("node()", lines: 1)) == ":foo@vm")
    }
}
