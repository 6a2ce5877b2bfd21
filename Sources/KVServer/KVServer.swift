import KV
import NIOCore
import NIOPosix
import NodeRuntime
import Synchronization

/// The guide's `KVServer`: the text protocol over TCP, every command routed as `KV.Router` routes
/// it ("Wiring it all up"). Runs on its own event loop thread, so the node's processes keep theirs.
public final class KVServer: Sendable {
    /// The port the server listens on (useful when started on port 0).
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let listener: any Channel
    private let connections: OpenConnections
    private let configuration: KVServerConfiguration

    public enum StartError: Error, CustomStringConvertible {
        case listenFailed(port: Int, underlying: any Error)
        case commandServerRunning

        public var description: String {
            switch self {
            case let .listenFailed(port, error): "cannot listen for KV clients on port \(port): \(error)"
            case .commandServerRunning: "a KV server already runs on this node"
            }
        }
    }

    private init(
        port: Int, group: MultiThreadedEventLoopGroup, listener: any Channel,
        connections: OpenConnections, configuration: KVServerConfiguration
    ) {
        self.port = port
        self.group = group
        self.listener = listener
        self.connections = connections
        self.configuration = configuration
    }

    /// Listens on `host:port` and serves `application`'s store; also registers this node's
    /// `CommandServer`, which other kvsh nodes' servers send the commands they route here.
    /// - Throws: `StartError`.
    public static func start(
        serving application: KVApplication, host: String = "0.0.0.0", port: Int,
        configuration: KVServerConfiguration = KVServerConfiguration()
    ) async throws -> KVServer {
        do {
            try CommandServer.start(for: application)
        } catch {
            throw StartError.commandServerRunning
        }
        let executor = CommandExecutor(application: application)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = OpenConnections()
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelOption(
                    .writeBufferWaterMark,
                    value: .init(low: configuration.maxPendingOutput / 2, high: configuration.maxPendingOutput))
                .childChannelInitializer { channel in
                    track(channel, in: connections, log: configuration.debugLog)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            IdleStateHandler(readTimeout: configuration.idleTimeout),
                            CommandConnection(executor: executor, configuration: configuration),
                        ])
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw StartError.listenFailed(port: port, underlying: error)
        }
        return KVServer(
            port: listener.localAddress?.port ?? port, group: group, listener: listener,
            connections: connections, configuration: configuration)
    }

    private static func track(
        _ channel: any Channel, in connections: OpenConnections,
        log: (@Sendable (String) -> Void)?
    ) {
        let id = ObjectIdentifier(channel)
        let peer = channel.remoteAddress.map { "\($0)" } ?? "an unknown address"
        connections.channels.withLock { $0[id] = channel }
        log?("[debug] KVServer: accepted a connection from \(peer)")
        channel.closeFuture.whenComplete { _ in
            connections.channels.withLock { _ = $0.removeValue(forKey: id) }
            log?("[debug] KVServer: closed the connection from \(peer)")
        }
    }

    /// The clients connected now.
    public var connectionCount: Int {
        connections.channels.withLock { $0.count }
    }

    /// Stops accepting clients, lets every connection answer the commands it has received, then
    /// closes them (any still busy after the grace period is closed anyway) and the event loop.
    public func stop() async {
        try? await listener.close()
        let open = connections.channels.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = NIODeadline.now() + configuration.shutdownGracePeriod
        for channel in open {
            let remaining = deadline - .now()
            let closed = channel.closeFuture
            let timeout = channel.eventLoop.scheduleTask(in: max(remaining, .zero)) { channel.close(promise: nil) }
            try? await closed.get()
            timeout.cancel()
        }
        try? await group.shutdownGracefully()
    }
}

/// The server's connections, so `stop()` can reach each one.
final class OpenConnections: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
}
