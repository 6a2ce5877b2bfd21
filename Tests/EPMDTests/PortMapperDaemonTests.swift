import NIOCore
import NIOPosix
import Testing
@testable import EPMD

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon and the client over real loopback sockets, each test on a port of its own.
@Suite struct PortMapperDaemonTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func registerLookupAndNames() async throws {
        try await withDaemon { daemon in
            let node = PortMapperNode(name: "foo", port: 5555, extra: [1, 2])
            let registration = try await PortMapperClient.register(node: node, port: daemon.port, on: group)
            #expect(registration.creation != 0)
            #expect(try await PortMapperClient.lookup(name: "foo", host: "127.0.0.1", port: daemon.port, on: group) == node)
            #expect(try await PortMapperClient.lookup(name: "bar", host: "127.0.0.1", port: daemon.port, on: group) == nil)
            let names = try await PortMapperClient.names(port: daemon.port, on: group)
            #expect(names.map(\.name) == ["foo"])
            #expect(names.map(\.port) == [5555])
            await registration.close()
        }
    }

    @Test func aNameIsTakenUntilItsConnectionCloses() async throws {
        try await withDaemon { daemon in
            let node = PortMapperNode(name: "foo", port: 5555)
            let first = try await PortMapperClient.register(node: node, port: daemon.port, on: group)
            await #expect(throws: PortMapperError.nameTaken("foo")) {
                try await PortMapperClient.register(node: node, port: daemon.port, on: self.group)
            }
            await first.close()
            #expect(try await eventually { try await PortMapperClient.names(port: daemon.port, on: group).isEmpty })
            let second = try await PortMapperClient.register(node: node, port: daemon.port, on: group)
            #expect(second.creation != first.creation, "each registration gets a fresh creation")
            await second.close()
        }
    }

    @Test func garbageAndIdleConnectionsDoNotDisturbOthers() async throws {
        try await withDaemon(requestTimeout: .seconds(2)) { daemon in
            let registration = try await PortMapperClient.register(node: PortMapperNode(name: "foo", port: 5555), port: daemon.port, on: group)
            let idle = try await rawConnection(port: daemon.port)
            let garbage = try await rawConnection(port: daemon.port)
            try await garbage.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
            #expect(await closes(garbage))
            let huge = try await rawConnection(port: daemon.port)
            try await huge.writeAndFlush(ByteBuffer(bytes: [0xFF, 0xFF] + Array(repeating: 120, count: 8000)))
            #expect(await closes(huge))
            #expect(try await PortMapperClient.lookup(name: "foo", host: "127.0.0.1", port: daemon.port, on: group)?.port == 5555)
            #expect(await closes(idle))
            #expect(try await PortMapperClient.names(port: daemon.port, on: group).map(\.name) == ["foo"])
            await registration.close()
        }
    }

    @Test func connectionsOverTheLimitAreTurnedAway() async throws {
        try await withDaemon(maximumConnections: 2) { daemon in
            let idle = [try await rawConnection(port: daemon.port), try await rawConnection(port: daemon.port)]
            // The daemon counts a connection in only once it has accepted it.
            try await Task.sleep(for: .milliseconds(200))
            await #expect(throws: PortMapperError.closedEarly(host: "127.0.0.1", port: daemon.port)) {
                try await PortMapperClient.names(port: daemon.port, on: self.group)
            }
            for channel in idle { try await channel.close() }
            #expect(await eventually { (try? await PortMapperClient.names(port: daemon.port, on: group)) != nil })
        }
    }

    @Test func stoppingTheDaemonEndsItsRegistrations() async throws {
        let daemon = try await PortMapperDaemon.start(host: "127.0.0.1", port: 0, group: group)
        let registered = try await rawConnection(port: daemon.port)
        try await registered.writeAndFlush(ByteBuffer(bytes: PortMapperRequestTests.alive2Foo))
        #expect(try await eventually { try await PortMapperClient.names(port: daemon.port, on: group).count == 1 })
        await daemon.stop()
        #expect(await closes(registered))
        await #expect(throws: PortMapperError.unreachable(host: "127.0.0.1", port: daemon.port)) {
            try await PortMapperClient.names(port: daemon.port, on: self.group)
        }
    }

    @Test func noMapperIsUnreachable() async throws {
        let port = try await freePort()
        await #expect(throws: PortMapperError.unreachable(host: "127.0.0.1", port: port)) {
            try await PortMapperClient.register(node: PortMapperNode(name: "foo", port: 1), port: port, on: self.group)
        }
    }

    @Test func aMapperThatNeverAnswersTimesOut() async throws {
        let silent = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = silent.localAddress!.port!
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: PortMapperError.timedOut(host: "127.0.0.1", port: port)) {
            try await PortMapperClient.lookup(name: "foo", host: "127.0.0.1", port: port, on: self.group, timeout: .milliseconds(300))
        }
        // Not a speed check: only that the call came back instead of hanging.
        #expect(clock.now - start < .seconds(60))
        try await silent.close()
    }

    @Test func aBadNameFailsBeforeConnecting() async throws {
        let port = try await freePort()
        await #expect(throws: PortMapperError.malformed("empty node name")) {
            try await PortMapperClient.lookup(name: "", host: "127.0.0.1", port: port, on: self.group)
        }
    }

    @Test func aProgramThatCannotStartIsReported() async throws {
        await #expect(throws: PortMapperError.spawnFailed(executable: "/nonexistent/kvsh", errno: ENOENT)) {
            try await PortMapperDaemon.startDetached(executable: "/nonexistent/kvsh", arguments: ["kvsh", "epmd"], port: 1)
        }
    }

    /// Runs `body` with a daemon on a free loopback port, and stops the daemon afterwards even
    /// when `body` throws.
    private func withDaemon(
        maximumConnections: Int = 1024,
        requestTimeout: TimeAmount = .seconds(10),
        _ body: (PortMapperDaemon) async throws -> Void
    ) async throws {
        let daemon = try await PortMapperDaemon.start(
            host: "127.0.0.1", port: 0, group: group, maximumConnections: maximumConnections, requestTimeout: requestTimeout
        )
        do {
            try await body(daemon)
        } catch {
            await daemon.stop()
            throw error
        }
        await daemon.stop()
    }
}
