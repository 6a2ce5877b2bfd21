import NIOCore

/// Sends one encoded request on a fresh connection and completes `promise` with the mapper's
/// decoded reply; what the reply means is the client's business. It gives up at `deadline`,
/// so a mapper that accepts and never answers cannot hang the caller.
final class PortMapperClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let code: PortMapperRequest.Code
    private let promise: EventLoopPromise<PortMapperResponse>
    private let deadline: NIODeadline
    private let host: String
    private let port: Int
    private var received = ByteBuffer()
    private var answered = false
    private var timer: Scheduled<Void>?

    init(request: ByteBuffer, code: PortMapperRequest.Code, promise: EventLoopPromise<PortMapperResponse>, deadline: NIODeadline, host: String, port: Int) {
        self.request = request
        self.code = code
        self.promise = promise
        self.deadline = deadline
        self.host = host
        self.port = port
    }

    /// Added once the connection is up: the request goes out at once.
    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            fail(PortMapperError.timedOut(host: host, port: port), context: context)
        }
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    /// The connection closed or the handler went away before an answer: never leave the
    /// caller waiting.
    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        if !answered { promise.fail(PortMapperError.closedEarly(host: host, port: port)) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After the answer the mapper has nothing more to say on a registration: ignore it.
        guard !answered else { return }
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        decode(context: context, atEnd: false)
    }

    /// A mapper that closes without a byte turned the connection away (too many connections,
    /// or a refused registration); one that closes after some bytes may have ended its reply.
    func channelInactive(context: ChannelHandlerContext) {
        if received.readableBytes == 0 {
            fail(PortMapperError.closedEarly(host: host, port: port), context: context)
        } else if !answered {
            decode(context: context, atEnd: true)
        }
        context.fireChannelInactive()
    }

    /// A transport error (a reset, mostly) means the mapper went away before answering.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(PortMapperError.closedEarly(host: host, port: port), context: context)
    }

    private func decode(context: ChannelHandlerContext, atEnd: Bool) {
        do {
            if let response = try PortMapperResponse.decode(answering: code, from: &received, atEnd: atEnd) {
                answered = true
                timer?.cancel()
                promise.succeed(response)
            } else if atEnd {
                fail(PortMapperError.closedEarly(host: host, port: port), context: context)
            }
        } catch {
            fail(error, context: context)
        }
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        timer?.cancel()
        promise.fail(error)
        context.close(promise: nil)
    }
}
