import ETF
import KV
import NIOCore
import NodeRuntime

/// One client of the text server: cuts its bytes into lines, answers each command in the order
/// received, and writes all the replies of one read with one write and one flush.
///
/// A command the node can answer on the spot (`KVApplication.runDirectly`) is answered on the
/// connection's own thread. Otherwise the commands behind it wait: the next run of consecutive
/// commands for the same node goes to a process of the node (`CommandExecutor`) and the
/// connection carries on when its replies come back, so replies never overtake each other.
///
/// Bounds: a line longer than the configured limit, a client idle past the idle timeout, and a
/// client that leaves its replies unread past the stall timeout are disconnected; too many
/// queued commands or unread replies make the connection stop reading until they shrink.
final class CommandConnection: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Request {
        let line: ByteBuffer
        let command: Command?
    }

    private let executor: CommandExecutor
    private let configuration: KVServerConfiguration
    private var framer: LineFramer
    private var queue = CircularBuffer<Request>()
    /// Replies not yet written.
    private var output: ByteBuffer
    /// A run of commands is with the node's processes.
    private var inFlight = false
    /// A read NIO asked for and this handler held back (backpressure).
    private var readHeld = false
    /// Nothing more is read: the line was too long, or the server is shutting down.
    private var finishing = false
    /// The error line to end with once every earlier command is answered.
    private var closingLine: [UInt8]?
    private var stallTimer: Scheduled<Void>?

    init(executor: CommandExecutor, configuration: KVServerConfiguration) {
        self.executor = executor
        self.configuration = configuration
        framer = LineFramer(maxLineLength: configuration.maxLineLength)
        output = ByteBuffer()
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finishing else { return }
        framer.append(unwrapInboundIn(data))
        while let frame = framer.next() {
            switch frame {
            case .line(let line):
                queue.append(Request(line: line, command: Command(parsing: line.readableBytesView)))
            case .tooLong:
                finish(with: Array("ERROR line too long (the limit is \(configuration.maxLineLength) bytes)\r\n".utf8), context: context)
                return
            }
        }
        drain(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushOutput(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // A command under way is not idleness: its reply is on its way.
            if !inFlight && queue.isEmpty { context.close(promise: nil) }
            return
        }
        // The client is done sending (`nc -q`, a shutdown of its side): what it sent is still answered.
        if event is ChannelShouldQuiesceEvent || (event as? ChannelEvent) == .inputClosed {
            finish(with: nil, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
            drain(context: context)
            flushOutput(context: context)
        } else if stallTimer == nil {
            let channel = context.channel
            stallTimer = context.eventLoop.scheduleTask(in: configuration.stalledWriterTimeout) {
                if !channel.isWritable { channel.close(promise: nil) }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        queue.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the client, mostly: nothing to answer any more.
        context.close(promise: nil)
    }

    // MARK: - Outbound

    func read(context: ChannelHandlerContext) {
        if finishing { return }
        if queue.count >= configuration.maxQueuedCommands || !context.channel.isWritable {
            readHeld = true
            return
        }
        context.read()
    }

    // MARK: - Answering

    /// Answers queued commands until one must wait for the node's processes or the client.
    private func drain(context: ChannelHandlerContext) {
        while !inFlight, context.channel.isWritable || finishing, let request = queue.first {
            guard let command = request.command else {
                queue.removeFirst()
                output.writeBytes(KVApplication.CommandReply.unknownCommand.bytes)
                continue
            }
            if let reply = executor.application.runDirectly(command) {
                queue.removeFirst()
                output.writeBytes(reply.bytes)
                continue
            }
            dispatch(owner: try? executor.application.owner(of: command), context: context)
        }
        if !inFlight && queue.isEmpty && finishing {
            if let closingLine { output.writeBytes(closingLine) }
            let channel = context.channel
            flushOutput(context: context)
            channel.close(promise: nil)
            return
        }
        if readHeld && queue.count < configuration.maxQueuedCommands && context.channel.isWritable {
            readHeld = false
            context.read()
        }
    }

    /// Sends the run of queued commands for `owner` to the node's processes.
    private func dispatch(owner: Atom?, context: ChannelHandlerContext) {
        var lines: [[UInt8]] = []
        let remote = owner != nil && owner != executor.application.node.name
        repeat {
            lines.append(Array(queue.removeFirst().line.readableBytesView))
        } while remote && lines.count < configuration.maxBatch && queue.first.map({ next in
            next.command.flatMap { try? self.executor.application.owner(of: $0) } == owner
        }) == true
        inFlight = true
        flushOutput(context: context)
        let promise = context.eventLoop.makePromise(of: [[UInt8]].self)
        let executor = executor
        let batch = lines
        executor.application.node.spawn { process in
            // A linked remote task that fails must end in an error line, not in this process's death.
            process.trapExit = true
            promise.succeed(await executor.run(batch, owner: owner, in: process))
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { replies in
            let (connection, context) = loopBound.value
            connection.inFlight = false
            guard context.channel.isActive else { return }
            for reply in replies { connection.output.writeBytes(reply) }
            connection.drain(context: context)
            connection.flushOutput(context: context)
        }
    }

    /// Stops reading; once every command received is answered (and `line` written), closes.
    private func finish(with line: [UInt8]?, context: ChannelHandlerContext) {
        guard !finishing else { return }
        finishing = true
        closingLine = line
        drain(context: context)
    }

    private func flushOutput(context: ChannelHandlerContext) {
        guard output.readableBytes > 0, context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(output), promise: nil)
        output = context.channel.allocator.buffer(capacity: 256)
    }
}
