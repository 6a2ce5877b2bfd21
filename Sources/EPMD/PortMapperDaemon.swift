import NIOCore
import NIOPosix

/// A port mapper that behaves as Erlang's `epmd` towards nodes and tools: `erl` registers with
/// it, and `epmd -names` lists what it holds.
public final class PortMapperDaemon: Sendable {
    /// The port the daemon listens on (the one the system picked when started on port 0).
    public let port: Int
    private let channel: Channel
    private let registry: PortMapperRegistry

    private init(port: Int, channel: Channel, registry: PortMapperRegistry) {
        self.port = port
        self.channel = channel
        self.registry = registry
    }

    /// Starts listening.
    /// - Parameters:
    ///   - host: the address to listen on. All interfaces by default, as epmd: other hosts must
    ///     be able to look our nodes up; registrations are taken from loopback peers only.
    ///   - port: 0 picks a free port (see ``port``).
    ///   - maximumConnections: connections served at once; more are closed on arrival.
    ///   - requestTimeout: how long a connection may take to send its request before it is
    ///     closed; registered connections stay open for good.
    ///   - maximumRequestLength: the longest request body buffered.
    public static func start(
        host: String = "0.0.0.0",
        port: Int,
        group: EventLoopGroup,
        maximumConnections: Int = 1024,
        requestTimeout: TimeAmount = .seconds(10),
        maximumRequestLength: Int = PortMapperRequest.defaultMaximumLength
    ) async throws -> PortMapperDaemon {
        let registry = PortMapperRegistry(maximumConnections: maximumConnections)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 4096))
            .childChannelInitializer { channel in
                guard registry.admit(channel) else { return channel.close() }
                channel.closeFuture.whenComplete { _ in registry.release(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PortMapperServerHandler(
                        registry: registry, maximumRequestLength: maximumRequestLength, requestTimeout: requestTimeout
                    ))
                }
            }
            .bind(host: host, port: port)
            .get()
        guard let boundPort = channel.localAddress?.port else {
            try? await channel.close()
            throw PortMapperError.unreachable(host: host, port: port)
        }
        return PortMapperDaemon(port: boundPort, channel: channel, registry: registry)
    }

    /// Stops listening and closes every connection, which ends every registration, as when
    /// epmd exits.
    public func stop() async {
        // A second stop finds the channels closed already, which is what it wants.
        try? await channel.close()
        for connection in registry.openConnections {
            try? await connection.close()
        }
    }
}
