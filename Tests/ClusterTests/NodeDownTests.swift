import Foundation
import Testing

/// Peers that die, freeze and come back, and a cluster of three: real kvsh processes.
@Suite(.serialized) struct NodeDownTests {
    /// Sets up, on `bar`, a node monitor, a process monitor and a link to processes on `foo`.
    private func watch(_ foo: PeerNode, from bar: PeerNode) async throws {
        try await bar.enter("Process.flag(:trap_exit, true)", lines: 1)
        try await bar.enter("Node.monitor(:\"\(foo.fullName)\", true)", lines: 1)
        try await bar.enter("watched = Node.spawn(:\"\(foo.fullName)\", fn -> receive do _ -> :ok end end)", lines: 1)
        try await bar.enter("ref = Process.monitor(watched)", lines: 1)
        try await bar.enter("linked = Node.spawn_link(:\"\(foo.fullName)\", fn -> receive do _ -> :ok end end)", lines: 1)
    }

    /// What `flush()` shows on `bar` once `foo` is gone, in any order.
    private func expectNodeDown(of foo: PeerNode, on bar: PeerNode, within seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var lines: [Substring] = []
        repeat {
            try await Task.sleep(for: .milliseconds(250))
            let printed = try await bar.enter("flush()", lines: 1)
            lines += printed.split(separator: "\n").filter { $0.hasPrefix("{") }
        } while lines.count < 3 && Date() < deadline
        let normalized = lines.map { Transcript.normalize(String($0)) }.sorted()
        #expect(normalized == [
            "{:DOWN, #Reference<>, :process, #PID<>, :noconnection}",
            "{:EXIT, #PID<>, :noconnection}",
            "{:nodedown, :foo@vm}",
        ])
        #expect(try await bar.enter("Node.list", lines: 1) == "[]")
    }

    @Test func aKilledPeerBreaksLinksAndFiresMonitors() async throws {
        let mapper = try PortMapperProcess()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--ticktime", "4"])
        let bar = try await PeerNode("bar", mapper: mapper, arguments: ["--ticktime", "4"])
        try await watch(foo, from: bar)
        foo.kill()
        try await expectNodeDown(of: foo, on: bar, within: 10)
    }

    @Test func aFrozenPeerIsDroppedWithinTheTickTime() async throws {
        let mapper = try PortMapperProcess()
        let foo = try await PeerNode("foo", mapper: mapper, arguments: ["--ticktime", "4"])
        let bar = try await PeerNode("bar", mapper: mapper, arguments: ["--ticktime", "4"])
        try await watch(foo, from: bar)
        foo.suspend()
        // net_ticktime 4 s: silent for four quarters of it, then dropped (allow scheduling slack).
        try await expectNodeDown(of: foo, on: bar, within: 15)
        #expect(bar.transcript.contains("[error] ** Node :foo@vm not responding **"))
        foo.kill()
    }

    @Test func aRestartedPeerIsReachedAgain() async throws {
        let mapper = try PortMapperProcess()
        var foo = try await PeerNode("foo", mapper: mapper)
        let bar = try await PeerNode("bar", mapper: mapper)
        #expect(try await bar.enter("old = Node.spawn(:\"foo@\(Build.shortHostName)\", fn -> :timer.sleep(:infinity) end)", lines: 1).hasPrefix("#PID<"))
        foo.kill()
        // The port mapper forgets the name when its registration connection closes.
        try await Task.sleep(for: .milliseconds(300))
        foo = try await PeerNode("foo", mapper: mapper)
        try await foo.enter("Process.register self(), :sh", lines: 1)
        #expect(try await bar.enter("Node.ping :\"foo@\(Build.shortHostName)\"", lines: 1) == ":pong")
        // A pid of the earlier incarnation is dead: a message to it vanishes.
        try await bar.enter("send old, :lost", lines: 1)
        try await bar.enter("send {:sh, :\"foo@\(Build.shortHostName)\"}, :found", lines: 1)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await foo.enter("flush()", lines: 2) == ":found\n:ok")
    }

    @Test func threeNodesAllTalk() async throws {
        let mapper = try PortMapperProcess()
        var nodes: [PeerNode] = []
        for name in ["foo", "bar", "baz"] { nodes.append(try await PeerNode(name, mapper: mapper)) }
        for node in nodes { try await node.enter("Process.register self(), :sh", lines: 1) }
        for sender in nodes {
            for receiver in nodes where receiver !== sender {
                try await sender.enter("send {:sh, :\"\(receiver.fullName)\"}, {:from, node()}", lines: 1)
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        for node in nodes {
            let others = nodes.filter { $0 !== node }.map { "{:from, :\($0.name)@vm}" }.sorted()
            let printed = try await node.enter("flush()", lines: 3)
            #expect(printed.split(separator: "\n").dropLast().map { Transcript.normalize(String($0)) }.sorted() == others)
            let listed = Transcript.normalize(try await node.enter("Node.list |> Enum.sort", lines: 1))
            let names: [String] = nodes.filter { $0 !== node }.map { ":" + $0.name + "@vm" }.sorted()
            #expect(listed == "[" + names.joined(separator: ", ") + "]")
        }
    }
}
