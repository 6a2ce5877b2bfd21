import EPMD
import ETF
import NIOCore
import NIOPosix
import NodeRuntime
import Synchronization

/// A node that takes part in distribution: it listens for connections, is registered with its
/// host's port mapper (for as long as it runs), and routes signals for other nodes through its
/// `NetKernel`. Starting one is what `erl -sname` does before the shell appears.
public final class DistributedNode: Sendable {
    public let node: LocalNode
    public let kernel: NetKernel
    /// The port other nodes connect to (what the port mapper hands out).
    public let port: Int
    private let registration: PortMapperRegistration
    private let listener: any Channel

    public enum StartError: Error, CustomStringConvertible {
        case nameInUse(String)
        case portMapperUnavailable(port: Int, underlying: any Error)
        case listenFailed(any Error)

        public var description: String {
            switch self {
            case .nameInUse(let name):
                "Protocol 'inet_tcp': the name \(name) seems to be in use by another Erlang node"
            case let .portMapperUnavailable(port, error):
                "cannot register with the port mapper on port \(port): \(error)"
            case .listenFailed(let error):
                "cannot listen for distribution connections: \(error)"
            }
        }
    }

    /// Starts distribution for the node `name` (`foo@vm`).
    /// - Parameters:
    ///   - scheduler: where processes run; by default on the network thread itself, as BEAM
    ///     schedulers poll for I/O themselves: a frame read wakes its process, and a frame a
    ///     process sends is written, with no handoff between threads.
    ///   - startPortMapper: starts a port mapper on the given port when none answers, as erl
    ///     starts `epmd -daemon`; returns once it answers.
    public static func start(
        name: Atom, cookie: String, settings: DistributionSettings, scheduler: Scheduler? = nil,
        startPortMapper: @Sendable (Int) async throws -> Void
    ) async throws -> DistributedNode {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let kernelSlot = Mutex<NetKernel?>(nil)
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    guard let kernel = kernelSlot.withLock({ $0 }) else {
                        return channel.close()
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        let handshake = Handshake(
                            acceptor: kernel.identity, cookie: kernel.cookie, challenge: .random(in: .min ... .max))
                        let connection = Connection(
                            kernel: kernel, channel: channel, attempt: kernel.newAttempt(), handshake: handshake)
                        try channel.pipeline.syncOperations.addHandler(ConnectionHandler(connection: connection))
                    }
                }
                .bind(host: "0.0.0.0", port: 0).get()
        } catch {
            try? await group.shutdownGracefully()
            throw StartError.listenFailed(error)
        }
        let port = listener.localAddress?.port ?? 0
        let alive = String(name.text.prefix { $0 != "@" })
        let entry = PortMapperNode(
            name: alive, port: UInt16(port), nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 6, extra: [])
        let registration: PortMapperRegistration
        do {
            registration = try await register(
                entry, as: name.text, settings: settings, group: group, startPortMapper: startPortMapper)
        } catch {
            try? await listener.close()
            try? await group.shutdownGracefully()
            throw error
        }
        let busyWait = BusyWait(eventLoop: group.next(), duration: .microseconds(settings.busyWaitMicroseconds))
        let executor: any TaskExecutor = scheduler ?? EventLoopExecutor(busyWait)
        let node = LocalNode(name: name, creation: registration.creation, scheduler: executor)
        let kernel = NetKernel(node: node, cookie: cookie, settings: settings, group: group, busyWait: busyWait)
        kernelSlot.withLock { $0 = kernel }
        node.setRemoteRouter(kernel)
        SystemProcesses.start(on: node)
        return DistributedNode(node: node, kernel: kernel, port: port, registration: registration, listener: listener)
    }

    private init(node: LocalNode, kernel: NetKernel, port: Int, registration: PortMapperRegistration, listener: any Channel) {
        self.node = node
        self.kernel = kernel
        self.port = port
        self.registration = registration
        self.listener = listener
    }

    private static func register(
        _ entry: PortMapperNode, as fullName: String, settings: DistributionSettings, group: any EventLoopGroup,
        startPortMapper: @Sendable (Int) async throws -> Void
    ) async throws -> PortMapperRegistration {
        let port = settings.portMapperPort
        do {
            return try await PortMapperClient.register(node: entry, port: port, on: group)
        } catch PortMapperError.nameTaken {
            throw StartError.nameInUse(fullName)
        } catch {
            do {
                try await startPortMapper(port)
                return try await PortMapperClient.register(node: entry, port: port, on: group)
            } catch PortMapperError.nameTaken {
                throw StartError.nameInUse(fullName)
            } catch {
                throw StartError.portMapperUnavailable(port: port, underlying: error)
            }
        }
    }

    /// Leaves the cluster: unregisters, stops listening, closes every connection (peers see
    /// `nodedown`). The event loop thread stays, idle, for dials still under way.
    public func stop() async {
        await registration.close()
        try? await listener.close()
        for peer in kernel.connectedNodes { _ = kernel.disconnect(peer) }
    }
}
