import NIOCore
import NIOPosix
@testable import EPMD

/// The bytes `encode(into:)` writes.
func encoded(_ request: PortMapperRequest) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try request.encode(into: &buffer)
    return Array(buffer.readableBytesView)
}

/// The bytes `encode(into:)` writes.
func encoded(_ response: PortMapperResponse) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try response.encode(into: &buffer)
    return Array(buffer.readableBytesView)
}

/// A port nothing listens on right now: free to bind, then released.
///
/// It is taken below Linux's ephemeral range (32768 and up): a client that keeps connecting to
/// a free port in that range may be given that very port as its own, and so connect to itself,
/// which then keeps the mapper meant for that port from binding it.
func freePort() async throws -> Int {
    while true {
        let port = Int.random(in: 20000..<32000)
        guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: port).get()
        else { continue }
        try await channel.close()
        return port
    }
}

/// A bare TCP connection, to play a client that misbehaves.
func rawConnection(port: Int) async throws -> Channel {
    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port).get()
}

/// Whether `channel` closes within `limit`, polled: a daemon that never closes must fail the
/// test, not hang it.
func closes(_ channel: Channel, within limit: Duration = .seconds(20)) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while channel.isActive, clock.now < deadline {
        try? await Task.sleep(for: .milliseconds(20))
    }
    return !channel.isActive
}

/// Polls `condition` until it holds or `limit` passes: the daemon forgets a registration only
/// once it has seen the connection close, a moment after the client closed it.
func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}
