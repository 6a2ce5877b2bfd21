import EPMD
import ETF
import Foundation
import NIOCore
import NIOPosix
import NodeRuntime
import Synchronization
import Testing
@testable import Distribution

// Support for tests over real loopback sockets: an in-process port mapper, real nodes, processes
// that collect what they receive, and a fake peer that speaks raw bytes.
//
// Nothing here measures speed. Deadlines only keep a broken test from hanging: a condition is
// polled until it holds or the (generous) deadline passes.

/// Polls `condition` every few milliseconds until it holds or `deadline` passes.
/// - Returns: whether it held.
func eventually(
    within deadline: Duration = .seconds(10), _ condition: () async -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while clock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// Runs `operation` in its own task and waits for its result until `deadline`.
/// - Returns: nil when it did not finish in time (the task is left to finish on its own).
func result<T: Sendable>(within deadline: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
    let box = ResultBox<T>()
    Task { box.set(await operation()) }
    _ = await eventually(within: deadline) { box.value != nil }
    return box.value
}

/// Where `result(within:_:)`'s task leaves its value.
final class ResultBox<T: Sendable>: Sendable {
    private let slot = Mutex<T?>(nil)
    func set(_ value: T) { slot.withLock { $0 = value } }
    var value: T? { slot.withLock { $0 } }
}

/// Lets several tasks start the same work as close together as possible.
final class StartSignal: Sendable {
    private let fired = Atomic<Bool>(false)

    func fire() { fired.store(true, ordering: .releasing) }

    /// Spins (yielding) until fired: a sleep would spread the starts out.
    func wait() async {
        while !fired.load(ordering: .acquiring) { await Task.yield() }
    }
}

/// What a node writes to its log, kept for assertions.
final class NodeLog: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// A port mapper on a free port and the nodes registered with it.
final class TestCluster: Sendable {
    /// One scheduler for every node of every test: its threads live as long as the test process.
    static let scheduler = Scheduler(threads: 2)
    /// For the port mapper and fake peers.
    static let group = MultiThreadedEventLoopGroup.singleton
    static let cookie = "kvsh-test-cookie"

    let mapper: PortMapperDaemon
    private let nodes = Mutex<[TestNode]>([])

    private init(mapper: PortMapperDaemon) {
        self.mapper = mapper
    }

    static func start() async throws -> TestCluster {
        TestCluster(mapper: try await PortMapperDaemon.start(host: "127.0.0.1", port: 0, group: group))
    }

    /// Starts a node `name` (`a1@localhost`) registered with this cluster's mapper.
    func node(
        _ name: String, cookie: String = TestCluster.cookie, tickTimeSeconds: Int = 60, setupTimeSeconds: Int = 7
    ) async throws -> TestNode {
        let settings = DistributionSettings(
            portMapperPort: mapper.port, tickTimeSeconds: tickTimeSeconds, setupTimeSeconds: setupTimeSeconds)
        let distributed = try await DistributedNode.start(
            name: Atom(name), cookie: cookie, settings: settings, scheduler: Self.scheduler,
            startPortMapper: { _ in })
        let node = TestNode(distributed)
        nodes.withLock { $0.append(node) }
        return node
    }

    /// Closes every connection, unregisters every node and stops the mapper.
    func stop() async {
        let all = nodes.withLock { $0 }
        for node in all {
            for peer in node.kernel.connectedNodes { _ = node.kernel.disconnect(peer) }
            await node.distributed.stop()
        }
        await mapper.stop()
    }
}

/// A node of a `TestCluster`, with its log captured.
final class TestNode: Sendable {
    let distributed: DistributedNode
    let log = NodeLog()

    init(_ distributed: DistributedNode) {
        self.distributed = distributed
        distributed.node.setCrashLog { [log] line in log.append(line) }
    }

    var node: LocalNode { distributed.node }
    var kernel: NetKernel { distributed.kernel }
    var name: Atom { node.name }
    var port: Int { distributed.port }

    /// Spawns a process that keeps every message it receives.
    /// - Parameters:
    ///   - name: registers the process under this name.
    ///   - trapExit: exit signals arrive as `{:EXIT, from, reason}` messages.
    func collector(named name: String? = nil, trapExit: Bool = false) throws -> Collector {
        let box = MessageBox()
        let pid = node.spawn { process in
            while let message = try await process.receive() { box.append(message) }
        }.pid
        let process = try #require(node.process(pid))
        process.trapExit = trapExit
        if let name { try node.register(Atom(name), pid) }
        return Collector(process: process, box: box)
    }

    /// Sends `message` to the process registered as `name` on `target`.
    func send(_ message: Term, toName name: String, on target: TestNode, from: Pid) {
        kernel.send(message, toName: Atom(name), on: target.name, from: from)
    }

    /// Whether this node still serves a good connection: a fresh node of the cluster connects to
    /// it and a message reaches a registered process.
    func stillServes(in cluster: TestCluster, probe: String) async throws -> Bool {
        let inbox = try collector(named: "probe_inbox_\(probe)")
        let other = try await cluster.node("\(probe)@localhost")
        let sender = try other.collector()
        other.send(.atom("still_alive"), toName: "probe_inbox_\(probe)", on: self, from: sender.pid)
        let arrived = await eventually { inbox.messages == [.atom("still_alive")] }
        _ = other.kernel.disconnect(name)
        await other.distributed.stop()
        return arrived
    }
}

/// A process that keeps what it receives.
final class Collector: Sendable {
    let process: NodeRuntime.Process
    private let box: MessageBox

    init(process: NodeRuntime.Process, box: MessageBox) {
        self.process = process
        self.box = box
    }

    var pid: Pid { process.pid }
    var messages: [Term] { box.all }

    /// Waits until `predicate` holds for the messages received so far.
    func waitFor(_ predicate: ([Term]) -> Bool) async -> Bool {
        await eventually { predicate(self.messages) }
    }
}

/// The messages a collector received, shared between its process and the test.
final class MessageBox: Sendable {
    private let messages = Mutex<[Term]>([])
    func append(_ message: Term) { messages.withLock { $0.append(message) } }
    var all: [Term] { messages.withLock { $0 } }
}

// MARK: - Fake peer

/// A raw TCP client of a node's distribution port: it can shake hands as a real initiator (with
/// the real `Handshake` state machine) and then write any bytes at all.
final class FakePeer: Sendable {
    private static let counter = Atomic<Int>(0)

    /// A fresh node name for a fake peer, so no two share a connection-table row.
    static func uniqueName(_ prefix: String = "fake") -> Atom {
        Atom("\(prefix)\(counter.wrappingAdd(1, ordering: .relaxed).oldValue)@localhost")
    }

    let channel: any Channel
    private let inbound: Inbound

    /// What the node sent us, and whether it closed the connection.
    final class Inbound: Sendable {
        let state = Mutex<(bytes: [UInt8], eof: Bool)>(([], false))
    }

    private init(channel: any Channel, inbound: Inbound) {
        self.channel = channel
        self.inbound = inbound
    }

    static func connect(to node: TestNode) async throws -> FakePeer {
        let inbound = Inbound()
        let channel = try await ClientBootstrap(group: TestCluster.group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Reader(inbound: inbound))
                }
            }
            .connect(host: "127.0.0.1", port: node.port).get()
        return FakePeer(channel: channel, inbound: inbound)
    }

    /// Connects and completes the handshake as `name`, so the node takes us for a node.
    static func connected(to node: TestNode, as name: Atom = uniqueName(), cookie: String = TestCluster.cookie) async throws -> FakePeer {
        let peer = try await connect(to: node)
        try await peer.handshake(as: name, with: node.name, cookie: cookie)
        return peer
    }

    private final class Reader: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbound: Inbound
        init(inbound: Inbound) { self.inbound = inbound }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            inbound.state.withLock { $0.bytes += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbound.state.withLock { $0.eof = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    enum FakePeerError: Error {
        case closedDuringHandshake
        case handshakeFailed(HandshakeError)
    }

    /// Runs the initiator's side of the handshake with the real state machine.
    func handshake(as name: Atom, with node: Atom, cookie: String) async throws {
        var handshake = Handshake(
            initiator: .init(name: name, creation: 1), peer: node, cookie: cookie, challenge: .random(in: .min ... .max))
        var directives = handshake.start()
        while true {
            while !directives.isEmpty {
                switch directives.removeFirst() {
                case .send(let message):
                    try await write([UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message)
                case .established:
                    return
                case .fail(let error):
                    throw FakePeerError.handshakeFailed(error)
                case .confirmAlive:
                    directives += handshake.answerAlive(true)
                case .checkPeer, .replaceExisting:
                    break
                }
            }
            directives = handshake.receive(try await nextHandshakeMessage())
        }
    }

    /// The next 2-byte-length frame the node sent.
    private func nextHandshakeMessage() async throws -> [UInt8] {
        var message: [UInt8]?
        _ = await eventually {
            self.inbound.state.withLock { state in
                if state.bytes.count >= 2 {
                    let length = Int(state.bytes[0]) << 8 | Int(state.bytes[1])
                    if state.bytes.count >= 2 + length {
                        message = Array(state.bytes[2..<2 + length])
                        state.bytes.removeFirst(2 + length)
                        return true
                    }
                }
                return state.eof
            }
        }
        guard let message else { throw FakePeerError.closedDuringHandshake }
        return message
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Writes a connected-state frame: 4-byte length, then `body`.
    func writeFrame(_ body: [UInt8]) async throws {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(body.count))
        try await write(bytes + body)
    }

    /// Closes our sending side only, so we still see what the node does next.
    func shutdownOutput() async throws {
        try await channel.close(mode: .output)
    }

    /// Whether the node closed the connection.
    var sawEOF: Bool { inbound.state.withLock { $0.eof } }

    /// Waits for the node to close the connection.
    func waitForEOF() async -> Bool {
        await eventually { self.sawEOF }
    }

    func close() async {
        try? await channel.close()
    }
}
