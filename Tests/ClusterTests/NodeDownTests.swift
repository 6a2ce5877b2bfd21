import Foundation
import Testing

/// Peers that die, freeze and come back, and a cluster of three: real kvsh processes.
@Suite(.serialized) struct NodeDownTests {
    /// Sets up, on `bar`, a node monitor, a process monitor and a link to processes on `foo`.
    private func watch(_ foo: PeerNode, from bar: PeerNode) throws {
        try bar.enter("Process.flag(:trap_exit, true)", lines: 1)
        try bar.enter("Node.monitor(:\"\(foo.fullName)\", true)", lines: 1)
        try bar.enter("watched = Node.spawn(:\"\(foo.fullName)\", fn -> receive do _ -> :ok end end)", lines: 1)
        try bar.enter("ref = Process.monitor(watched)", lines: 1)
        try bar.enter("linked = Node.spawn_link(:\"\(foo.fullName)\", fn -> receive do _ -> :ok end end)", lines: 1)
    }

    /// What `flush()` shows on `bar` once `foo` is gone, in any order.
    private func expectNodeDown(of foo: PeerNode, on bar: PeerNode, within seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var lines: [Substring] = []
        repeat {
            usleep(250_000)
            let printed = try bar.enter("flush()", lines: 1)
            lines += printed.split(separator: "\n").filter { $0.hasPrefix("{") }
        } while lines.count < 3 && Date() < deadline
        let normalized = lines.map { Transcript.normalize(String($0)) }.sorted()
        #expect(normalized == [
            "{:DOWN, #Reference<>, :process, #PID<>, :noconnection}",
            "{:EXIT, #PID<>, :noconnection}",
            "{:nodedown, :foo@vm}",
        ])
        #expect(try bar.enter("Node.list", lines: 1) == "[]")
    }

    @Test func aKilledPeerBreaksLinksAndFiresMonitors() throws {
        let mapper = try PortMapperProcess()
        let foo = try PeerNode("foo", mapper: mapper, arguments: ["--ticktime", "4"])
        let bar = try PeerNode("bar", mapper: mapper, arguments: ["--ticktime", "4"])
        try watch(foo, from: bar)
        foo.kill()
        try expectNodeDown(of: foo, on: bar, within: 10)
    }

    @Test func aFrozenPeerIsDroppedWithinTheTickTime() throws {
        let mapper = try PortMapperProcess()
        let foo = try PeerNode("foo", mapper: mapper, arguments: ["--ticktime", "4"])
        let bar = try PeerNode("bar", mapper: mapper, arguments: ["--ticktime", "4"])
        try watch(foo, from: bar)
        foo.suspend()
        // net_ticktime 4 s: silent for four quarters of it, then dropped (allow scheduling slack).
        try expectNodeDown(of: foo, on: bar, within: 15)
        #expect(bar.transcript.contains("[error] ** Node :foo@vm not responding **"))
        foo.kill()
    }

    @Test func aRestartedPeerIsReachedAgain() throws {
        let mapper = try PortMapperProcess()
        var foo = try PeerNode("foo", mapper: mapper)
        let bar = try PeerNode("bar", mapper: mapper)
        #expect(try bar.enter("old = Node.spawn(:\"foo@\(Build.shortHostName)\", fn -> :timer.sleep(:infinity) end)", lines: 1).hasPrefix("#PID<"))
        foo.kill()
        // The port mapper forgets the name when its registration connection closes.
        usleep(300_000)
        foo = try PeerNode("foo", mapper: mapper)
        try foo.enter("Process.register self(), :sh", lines: 1)
        #expect(try bar.enter("Node.ping :\"foo@\(Build.shortHostName)\"", lines: 1) == ":pong")
        // A pid of the earlier incarnation is dead: a message to it vanishes.
        try bar.enter("send old, :lost", lines: 1)
        try bar.enter("send {:sh, :\"foo@\(Build.shortHostName)\"}, :found", lines: 1)
        usleep(200_000)
        #expect(try foo.enter("flush()", lines: 2) == ":found\n:ok")
    }

    @Test func threeNodesAllTalk() throws {
        let mapper = try PortMapperProcess()
        let nodes = try ["foo", "bar", "baz"].map { try PeerNode($0, mapper: mapper) }
        for node in nodes { try node.enter("Process.register self(), :sh", lines: 1) }
        for sender in nodes {
            for receiver in nodes where receiver !== sender {
                try sender.enter("send {:sh, :\"\(receiver.fullName)\"}, {:from, node()}", lines: 1)
            }
        }
        usleep(300_000)
        for node in nodes {
            let others = nodes.filter { $0 !== node }.map { "{:from, :\($0.name)@vm}" }.sorted()
            let printed = try node.enter("flush()", lines: 3)
            #expect(printed.split(separator: "\n").dropLast().map { Transcript.normalize(String($0)) }.sorted() == others)
            let listed = try node.enter("Node.list |> Enum.sort", lines: 1)
            #expect(Transcript.normalize(listed) == "[" + nodes.filter { $0 !== node }.map { ":\($0.name)@vm" }.sorted().joined(separator: ", ") + "]")
        }
    }
}
