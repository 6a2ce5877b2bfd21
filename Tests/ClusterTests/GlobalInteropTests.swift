import Foundation
import Testing

/// kvsh in a cluster of real OTP 25 nodes, as `global` sees it: `:global.sync()` returns on the
/// BEAM side whichever side connected first, two BEAM nodes that each know only kvsh meet
/// through it (kvsh's `new_nodes` and `resolved` tell them of each other), every node keeps
/// every other in its node list, and global names and locks still work with kvsh counted in.
@Suite(.serialized, .tags(.interop), .enabled(if: Erl.path != nil, "erl is not installed: apt-get install erlang-nox (make test does)"))
struct GlobalInteropTests {
    static let cookie = "kvshtestcookie"

    /// An erl node that (after `connect`, an Erlang expression) waits until it sees `syncAfter`
    /// nodes, runs `global:sync()` (printing `sync ok` or `sync timeout`), waits until it sees
    /// `peers` nodes and prints them, then runs `then` and waits for `stop`, printing its node
    /// list once more before it halts. It halts by itself after 40 s.
    static func erl(_ name: String, mapper: PortMapperProcess, connect: String = "ok", syncAfter: Int = 1, peers: Int, then: String = "ok") throws -> (Process, SharedText) {
        let script = """
            register(gtest, self()),
            spawn(fun() -> timer:sleep(40000), halt() end),
            \(connect),
            Wait = fun W(N, 0) -> N; W(N, T) -> case length(nodes()) >= N of true -> N; false -> timer:sleep(20), W(N, T - 1) end end,
            Wait(\(syncAfter), 500),
            Self = self(),
            spawn(fun() -> Self ! {synced, global:sync()} end),
            receive {synced, ok} -> io:format("sync ok~n") after 10000 -> io:format("sync timeout~n") end,
            Wait(\(peers), 500),
            io:format("nodes ~p~n", [lists:sort(nodes())]),
            \(then),
            io:format("ready~n"),
            receive stop -> io:format("final nodes ~p~n", [lists:sort(nodes())]) end,
            halt().
            """
        return try Erl.start(sname: name, mapper: mapper, cookie: Self.cookie, eval: script)
    }

    /// Connects to `node`, retrying while it starts.
    static func dial(_ node: String) -> String {
        "true = (fun C(0) -> false; C(T) -> net_kernel:connect_node('\(node)') orelse (timer:sleep(100) == ok andalso C(T - 1)) end)(50)"
    }

    static func nodeList(_ names: String..., host: String) -> String {
        "[" + names.map { "\($0)@\(host)" }.joined(separator: ",") + "]"
    }

    /// Tells the erl node `name` (through kvsh) to stop, waits for its last words, and returns
    /// everything it printed.
    static func stop(_ node: (Process, SharedText), _ name: String, through kv: PeerNode) async throws -> String {
        try await kv.enter("send({:gtest, :\"\(name)@\(Build.shortHostName)\"}, :stop)", lines: 1)
        try await BEAMProcess.waitForOutput(node, "final nodes")
        return node.1.text.withLock { $0 }
    }

    @Test func twoBEAMNodesThatDialKvshSyncAndMeetThroughIt() async throws {
        let mapper = try PortMapperProcess()
        let host = Build.shortHostName
        let kv = try await PeerNode("gbar", mapper: mapper, cookie: Self.cookie)
        let dial = Self.dial("gbar@\(host)")
        // Global names and locks reach every node, kvsh included: it must answer.
        let globalWork = """
            yes = global:register_name(gtest_name, self()),
            true = global:set_lock({gtest_lock, self()}),
            true = global:del_lock({gtest_lock, self()}),
            io:format("global names ~p~n", [global:registered_names()])
            """
        let foo = try Self.erl("gfoo", mapper: mapper, connect: dial, peers: 2, then: globalWork)
        defer { foo.0.terminate() }
        try await BEAMProcess.waitForOutput(foo, "sync ok")
        let baz = try Self.erl("gbaz", mapper: mapper, connect: dial, peers: 2)
        defer { baz.0.terminate() }
        try await BEAMProcess.waitForOutput(foo, "ready")
        try await BEAMProcess.waitForOutput(baz, "ready")

        #expect(foo.1.text.withLock { $0 }.contains("nodes \(Self.nodeList("gbar", "gbaz", host: host))"))
        #expect(foo.1.text.withLock { $0 }.contains("global names [gtest_name]"))
        let bazPrinted = baz.1.text.withLock { $0 }
        #expect(bazPrinted.contains("sync ok"))
        #expect(bazPrinted.contains("nodes \(Self.nodeList("gbar", "gfoo", host: host))"))
        #expect(try await kv.enter("Node.list()", lines: 1) == "[:gbaz@\(host), :gfoo@\(host)]")

        // A moment later nobody has dropped anybody.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await kv.enter("Node.list()", lines: 1) == "[:gbaz@\(host), :gfoo@\(host)]")
        // One at a time: a node that halts leaves the other's list.
        #expect(try await Self.stop(baz, "gbaz", through: kv).contains("final nodes \(Self.nodeList("gbar", "gfoo", host: host))"))
        #expect(try await Self.stop(foo, "gfoo", through: kv).contains("final nodes [gbar@\(host)"))
        #expect(!kv.log.contains("global_name_server received an unexpected message"), "kvsh logged: \(kv.log)")
    }

    @Test func kvshDialsAPairOfBEAMNodesAndAllSync() async throws {
        let mapper = try PortMapperProcess()
        let host = Build.shortHostName
        let kv = try await PeerNode("gkv", mapper: mapper, cookie: Self.cookie)
        let one = try Self.erl("gone", mapper: mapper, syncAfter: 2, peers: 2)
        defer { one.0.terminate() }
        // The second one dials the first: kvsh joins a pair that is connected already.
        let two = try Self.erl("gtwo", mapper: mapper, connect: Self.dial("gone@\(host)"), syncAfter: 2, peers: 2)
        defer { two.0.terminate() }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await kv.enter("Node.connect(:\"gone@\(host)\")", lines: 1) == "true")
        try await BEAMProcess.waitForOutput(one, "ready")
        try await BEAMProcess.waitForOutput(two, "ready")
        for (node, others) in [(one, Self.nodeList("gkv", "gtwo", host: host)), (two, Self.nodeList("gkv", "gone", host: host))] {
            let printed = node.1.text.withLock { $0 }
            #expect(printed.contains("sync ok"), "it printed: \(printed)")
            #expect(printed.contains("nodes \(others)"), "it printed: \(printed)")
        }
        #expect(try await kv.enter("Node.list()", lines: 1) == "[:gone@\(host), :gtwo@\(host)]")
        #expect(try await Self.stop(one, "gone", through: kv).contains("final nodes \(Self.nodeList("gkv", "gtwo", host: host))"))
        _ = try await Self.stop(two, "gtwo", through: kv)
    }

    /// kvsh leaves one BEAM node of a pair: the other asks kvsh to drop its connection too
    /// (`remove_connection`, OTP 25's guard against overlapping partitions) and kvsh does, as
    /// a BEAM node does. Reconnected, everyone syncs again.
    @Test func aDisconnectFollowsOTPsPartitionGuardAndAReconnectResyncs() async throws {
        let mapper = try PortMapperProcess()
        let host = Build.shortHostName
        let kv = try await PeerNode("gre", mapper: mapper, cookie: Self.cookie)
        // Each syncs when told and prints `LABEL sync ok NODES`.
        let script = """
            register(gtest, self()),
            spawn(fun() -> timer:sleep(40000), halt() end),
            Sync = fun(L) ->
                Self = self(),
                spawn(fun() -> Self ! {synced, global:sync()} end),
                receive {synced, ok} -> io:format("~s sync ok ~p~n", [L, lists:sort(nodes())])
                after 5000 -> io:format("~s sync timeout ~p~n", [L, lists:sort(nodes())]) end
            end,
            io:format("ready~n"),
            (fun Loop() -> receive {sync, L} -> Sync(L), Loop(); stop -> halt() end end)().
            """
        let one = try Erl.start(sname: "greone", mapper: mapper, cookie: Self.cookie, eval: script)
        defer { one.0.terminate() }
        let two = try Erl.start(sname: "gretwo", mapper: mapper, cookie: Self.cookie, eval: script)
        defer { two.0.terminate() }
        try await BEAMProcess.waitForOutput(one, "ready")
        try await BEAMProcess.waitForOutput(two, "ready")
        let (nodeOne, nodeTwo) = (":\"greone@\(host)\"", ":\"gretwo@\(host)\"")
        let bothSync = { (label: String) in
            "send({:gtest, \(nodeOne)}, {:sync, \"\(label)\"}); send({:gtest, \(nodeTwo)}, {:sync, \"\(label)\"})"
        }
        #expect(try await kv.enter("Node.connect(\(nodeOne)) and Node.connect(\(nodeTwo))", lines: 1) == "true")
        try await kv.enter(bothSync("first"), lines: 1)
        try await BEAMProcess.waitForOutput(one, "first sync")
        try await BEAMProcess.waitForOutput(two, "first sync")

        // The guard's warning may come while the answer is read, before or after it.
        let answer = try await kv.enter("Node.disconnect(\(nodeOne))", lines: 1)
        #expect(answer.split(separator: "\n").contains("true"), "Node.disconnect printed \(answer)")
        let guardLine = "[warning] 'global' at node :gre@\(host) disconnected node :gretwo@\(host) in order to prevent overlapping partitions"
        for _ in 0..<200 where !kv.transcript.contains(guardLine) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(kv.transcript.contains(guardLine))
        let left = try await kv.enter("Node.list()", lines: 1)
        #expect(left.hasSuffix("[]"), "Node.list() printed \(left)")

        #expect(try await kv.enter("Node.connect(\(nodeOne))", lines: 1) == "true")
        try await kv.enter(bothSync("second"), lines: 1)
        try await BEAMProcess.waitForOutput(one, "second sync")
        try await BEAMProcess.waitForOutput(two, "second sync")
        #expect(one.1.text.withLock { $0 }.contains("second sync ok \(Self.nodeList("gre", "gretwo", host: host))"))
        #expect(two.1.text.withLock { $0 }.contains("second sync ok \(Self.nodeList("gre", "greone", host: host))"))
        #expect(try await kv.enter("Node.list()", lines: 1) == "[:greone@\(host), :gretwo@\(host)]")
        try await kv.enter("send({:gtest, \(nodeOne)}, :stop); send({:gtest, \(nodeTwo)}, :stop)", lines: 1)
        _ = try await one.0.exit()
        _ = try await two.0.exit()
    }
}
