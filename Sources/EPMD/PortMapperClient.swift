import NIOCore
import NIOPosix

/// Talks to a port mapper, as OTP's `erl_epmd` does: one TCP connection per request.
/// Every call gives up once its timeout has passed, connecting included, so a mapper that
/// accepts and never answers cannot hang the caller.
public enum PortMapperClient {
    /// How long a call waits for a mapper by default: a local mapper answers in microseconds.
    public static let defaultTimeout: TimeAmount = .seconds(3)

    /// Registers `node` (with `ALIVE2_REQ`, versions as the node says: 6 and 6 by default).
    /// - Returns: the registration, which holds the connection open: the name stays registered
    ///   until ``PortMapperRegistration/close()`` or until this process ends.
    /// - Throws: ``PortMapperError/nameTaken(_:)`` when a live node holds the name;
    ///   ``PortMapperError/unreachable(host:port:)`` when no mapper answers; other
    ///   ``PortMapperError`` cases for a bad name or a reply that makes no sense.
    public static func register(
        node: PortMapperNode,
        host: String = "127.0.0.1",
        port: Int,
        on group: EventLoopGroup,
        timeout: TimeAmount = defaultTimeout
    ) async throws -> PortMapperRegistration {
        let (channel, response) = try await exchange(.alive2(node), host: host, port: port, group: group, timeout: timeout)
        let creation: UInt32
        switch response {
        case .alive2(0, let created): creation = created
        case .alive2Short(0, let created): creation = UInt32(created)
        case .alive2, .alive2Short:
            try? await channel.close()
            throw PortMapperError.nameTaken(node.name)
        case .port2, .names:
            preconditionFailure("an ALIVE2 reply decodes only as alive2 or alive2Short")
        }
        guard creation != 0 else {
            try? await channel.close()
            throw PortMapperError.malformed("ALIVE2 reply: creation 0, which no pid, port or reference may carry")
        }
        return PortMapperRegistration(node: node, creation: creation, channel: channel)
    }

    /// Asks where the node called `name` (the part before the `@`) listens (`PORT_PLEASE2_REQ`).
    /// - Returns: the node as it registered, or nil when the mapper knows no such name.
    public static func lookup(
        name: String,
        host: String,
        port: Int,
        on group: EventLoopGroup,
        timeout: TimeAmount = defaultTimeout
    ) async throws -> PortMapperNode? {
        let (channel, response) = try await exchange(.portPlease2(name: name), host: host, port: port, group: group, timeout: timeout)
        try? await channel.close()
        guard case .port2(let node) = response else {
            preconditionFailure("a PORT2 reply decodes only as port2")
        }
        return node
    }

    /// Lists the registered nodes (`NAMES_REQ`), newest first as epmd lists them.
    public static func names(
        host: String = "127.0.0.1",
        port: Int,
        on group: EventLoopGroup,
        timeout: TimeAmount = defaultTimeout
    ) async throws -> [(name: String, port: Int)] {
        let (channel, response) = try await exchange(.names, host: host, port: port, group: group, timeout: timeout)
        try? await channel.close()
        guard case .names(_, let nodes) = response else {
            preconditionFailure("a NAMES reply decodes only as names")
        }
        return nodes.map { ($0.name, $0.port) }
    }

    /// Connects, sends `request` and waits for the reply, all within `timeout`.
    /// - Returns: the reply and the still open connection (which the mapper may be closing).
    private static func exchange(
        _ request: PortMapperRequest,
        host: String,
        port: Int,
        group: EventLoopGroup,
        timeout: TimeAmount
    ) async throws -> (Channel, PortMapperResponse) {
        var bytes = ByteBuffer()
        try request.encode(into: &bytes)
        let deadline = NIODeadline.now() + timeout
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .connect(host: host, port: port)
                .get()
        } catch ChannelError.connectTimeout {
            throw PortMapperError.timedOut(host: host, port: port)
        } catch {
            throw PortMapperError.unreachable(host: host, port: port)
        }
        let promise = channel.eventLoop.makePromise(of: PortMapperResponse.self)
        do {
            try await channel.eventLoop.submit { [bytes] in
                try channel.pipeline.syncOperations.addHandler(PortMapperClientHandler(
                    request: bytes, code: request.code, promise: promise, deadline: deadline, host: host, port: port
                ))
            }.get()
        } catch {
            // Adding the handler fails only when the mapper has closed the connection already
            // (it serves too many); the promise must not be left unfulfilled then.
            let closed = PortMapperError.closedEarly(host: host, port: port)
            promise.fail(closed)
            throw closed
        }
        do {
            return (channel, try await promise.futureResult.get())
        } catch {
            try? await channel.close()
            throw error
        }
    }
}
