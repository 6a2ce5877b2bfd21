import Glibc
import NIOCore
import NIOPosix
import Testing
@testable import Distribution

/// The network thread's spin before it sleeps: it finds a connection's socket, ends as soon as a
/// socket is readable or work arrives, and lets go of a connection's socket when it closes.
/// The spins here are made long (seconds) so that "ended early" cannot be luck.
@Suite struct BusyWaitTests {
    @Test func findsTheDescriptorOfAConnectedChannel() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: group).connect(to: server.localAddress!).get()
        let local = try #require(client.localAddress)
        let remote = try #require(client.remoteAddress)

        let descriptor = try #require(SocketDescriptor.find(local: local, remote: remote))
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        #expect(UInt16(bigEndian: address.sin_port) == UInt16(local.port!))
        #expect(SocketDescriptor.find(local: remote, remote: local) != descriptor, "the other end is another socket")
        #expect(SocketDescriptor.find(local: local, remote: local) == nil, "no socket has these two ends")

        try await client.close()
        try await server.close()
    }

    @Test func aSpinEndsWhenAWatchedSocketBecomesReadable() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (busyWait, sockets) = try Self.spinning(on: group.next(), for: .seconds(30))
        defer { Self.close(sockets) }

        let clock = ContinuousClock()
        let start = clock.now
        var byte: UInt8 = 1
        #expect(write(sockets.1, &byte, 1) == 1)
        try await busyWait.eventLoop.submit {}.get()
        #expect(clock.now - start < .seconds(10))
        try await group.shutdownGracefully()
    }

    @Test func aSpinEndsWhenWorkIsQueued() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (busyWait, sockets) = try Self.spinning(on: group.next(), for: .seconds(30))
        defer { Self.close(sockets) }

        let clock = ContinuousClock()
        let start = clock.now
        // Work from another thread (left unfinished: its end would start another long spin).
        busyWait.workQueued()
        try await busyWait.eventLoop.submit {}.get()
        #expect(clock.now - start < .seconds(10))
        try await group.shutdownGracefully()
    }

    @Test func aClosedConnectionIsNoLongerWatched() async throws {
        let cluster = try await TestCluster.start()
        let a = try await cluster.node("busy1@localhost")
        let b = try await cluster.node("busy2@localhost")

        #expect(await a.kernel.connect(to: b.name))
        #expect(await eventually { a.kernel.busyWait.watched.count == 1 && b.kernel.busyWait.watched.count == 1 })
        #expect(a.kernel.disconnect(b.name))
        #expect(await eventually { a.kernel.busyWait.watched.isEmpty && b.kernel.busyWait.watched.isEmpty })
        await cluster.stop()
    }

    /// A busy wait on `eventLoop`, watching one end of a socket pair, and spinning: the
    /// loop's last piece of work is done.
    private static func spinning(on eventLoop: any EventLoop, for duration: Duration) throws -> (BusyWait, (CInt, CInt)) {
        var pair: [CInt] = [0, 0]
        try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &pair) == 0, "socketpair: errno \(errno)")
        let busyWait = BusyWait(eventLoop: eventLoop, duration: duration)
        busyWait.watch(pair[0])
        busyWait.workQueued()
        busyWait.eventLoop.execute { busyWait.workDone() }
        return (busyWait, (pair[0], pair[1]))
    }

    private static func close(_ sockets: (CInt, CInt)) {
        Glibc.close(sockets.0)
        Glibc.close(sockets.1)
    }
}
