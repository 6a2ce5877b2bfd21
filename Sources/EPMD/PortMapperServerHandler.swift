import NIOCore

/// One connection to the daemon: decodes one request, asks the registry, answers.
///
/// As epmd: a registration keeps its connection open and lasts as long as it; every other
/// request is answered and the connection closed. Anything wrong (garbage, a length over the
/// limit, bytes after the request, no complete request within `requestTimeout`) closes this
/// connection only.
final class PortMapperServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingRequest
        case registered(name: String, creation: UInt32)
        case finished
    }

    private let registry: PortMapperRegistry
    private let maximumRequestLength: Int
    private let requestTimeout: TimeAmount
    private var state = State.awaitingRequest
    private var received = ByteBuffer()
    private var deadline: Scheduled<Void>?

    init(registry: PortMapperRegistry, maximumRequestLength: Int, requestTimeout: TimeAmount) {
        self.registry = registry
        self.maximumRequestLength = maximumRequestLength
        self.requestTimeout = requestTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) {
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .awaitingRequest:
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
            decode(context: context)
        case .registered:
            // A registered node has nothing more to say; epmd drops one that speaks.
            finish(context: context)
        case .finished:
            break
        }
    }

    /// The peer shut its side: no request can complete any more, and a registered node that
    /// does this is leaving.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, !isFinished {
            finish(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if case .registered(let name, let creation) = state {
            registry.unregister(name: name, creation: creation)
        }
        state = .finished
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(context: context)
    }

    // MARK: - Requests

    private func decode(context: ChannelHandlerContext) {
        do {
            guard let request = try PortMapperRequest.decode(from: &received, maximumLength: maximumRequestLength) else { return }
            guard received.readableBytes == 0 else {
                // One request per connection: more means the peer speaks something else.
                return finish(context: context)
            }
            deadline?.cancel()
            answer(request, context: context)
        } catch {
            finish(context: context)
        }
    }

    private func answer(_ request: PortMapperRequest, context: ChannelHandlerContext) {
        switch request {
        case .names:
            let mapperPort = UInt32(context.channel.localAddress?.port ?? 0)
            reply(.names(mapperPort: mapperPort, nodes: registry.names()), context: context, thenClose: true)
        case .portPlease2(let name):
            reply(.port2(registry.lookup(name: name)), context: context, thenClose: true)
        case .alive2(let node):
            // epmd takes registrations from this host only: a remote peer could otherwise
            // squat any name.
            guard Self.isLoopback(context.channel.remoteAddress) else { return finish(context: context) }
            let creation = registry.register(node)
            if let creation {
                state = .registered(name: node.name, creation: creation)
            }
            let result: UInt8 = creation == nil ? 1 : 0
            // Peers older than version 6 know only creations 1 to 3.
            let response: PortMapperResponse = node.highestVersion < 6
                ? .alive2Short(result: result, creation: UInt16((creation ?? 0) % 3 + 1))
                : .alive2(result: result, creation: creation ?? 0)
            reply(response, context: context, thenClose: creation == nil)
        }
    }

    private func reply(_ response: PortMapperResponse, context: ChannelHandlerContext, thenClose: Bool) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        do {
            try response.encode(into: &buffer)
        } catch {
            return finish(context: context)
        }
        let written = context.writeAndFlush(wrapOutboundOut(buffer))
        if thenClose {
            state = .finished
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private var isFinished: Bool {
        if case .finished = state { true } else { false }
    }

    private func finish(context: ChannelHandlerContext) {
        guard !isFinished else { return }
        deadline?.cancel()
        if case .registered(let name, let creation) = state {
            registry.unregister(name: name, creation: creation)
        }
        state = .finished
        context.close(promise: nil)
    }

    /// Whether a peer address is this host's loopback (IPv4 127/8, `::1`, or IPv4-mapped).
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
