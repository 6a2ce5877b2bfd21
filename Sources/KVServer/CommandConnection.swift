import ETF
import KV
import NIOCore
import NodeRuntime

/// One client of the text server: cuts its bytes into lines, answers each command, writes the
/// replies in the order the commands came, all the replies of one read with one write and one flush.
///
/// A command the node can answer on the spot (`KVApplication.runDirectly`) is answered on the
/// connection's own thread. Any other goes, with the later commands of the same read for the same
/// node, in one run to a process of the node (`CommandExecutor`), and the connection carries on
/// meanwhile with commands for other nodes.
///
/// Order: the commands for one node (so every command on one bucket) run in the order received,
/// one run at a time; commands for different nodes may overlap, but only commands the client
/// sent without waiting for an answer in between, which are concurrent for it anyway. Replies
/// are always written in the order of the commands.
///
/// Bounds: a line longer than the configured limit, a client idle past the idle timeout, and a
/// client that leaves its replies unread past the stall timeout are disconnected; too many
/// unanswered commands or unread replies make the connection stop reading until they shrink.
final class CommandConnection: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Request {
        /// The request's place among the replies (`replyBase` counts from the first line).
        let index: Int
        let line: ByteBuffer
        let command: Command?
    }

    /// Who runs a command: the node its bucket is on. Commands for one owner keep their order.
    private typealias Owner = Atom

    private let executor: CommandExecutor
    private let configuration: KVServerConfiguration
    private var framer: LineFramer
    /// Commands received and not yet started, in order.
    private var waiting: [Request] = []
    /// The replies not yet written, in command order; nil until a command is answered.
    private var replies = CircularBuffer<[UInt8]?>()
    /// The index of `replies.first`.
    private var replyBase = 0
    private var received = 0
    /// Owners with a run of this connection's commands under way.
    private var busy = Set<Owner>()
    private var output: ByteBuffer
    /// A read NIO asked for and this handler held back (backpressure).
    private var readHeld = false
    /// Nothing more is read: the line was too long, the client shut its side, or the server stops.
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
                waiting.append(Request(index: received, line: line, command: Command(parsing: line.readableBytesView)))
                replies.append(nil)
                received += 1
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
            if replies.isEmpty { context.close(promise: nil) }
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
        waiting.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the client, mostly: nothing to answer any more.
        context.close(promise: nil)
    }

    // MARK: - Outbound

    func read(context: ChannelHandlerContext) {
        if finishing { return }
        if replies.count >= configuration.maxQueuedCommands || !context.channel.isWritable {
            readHeld = true
            return
        }
        context.read()
    }

    // MARK: - Answering

    /// Answers what can be answered now, starts a run for each owner that has none under way, and
    /// moves the replies that are next in order to the output.
    private func drain(context: ChannelHandlerContext) {
        if context.channel.isWritable || finishing {
            start(context: context)
        }
        while let first = replies.first, let reply = first {
            output.writeBytes(reply)
            replies.removeFirst()
            replyBase += 1
        }
        if replies.isEmpty && finishing {
            if let closingLine { output.writeBytes(closingLine) }
            let channel = context.channel
            flushOutput(context: context)
            channel.close(promise: nil)
            return
        }
        if readHeld && replies.count < configuration.maxQueuedCommands && context.channel.isWritable {
            readHeld = false
            context.read()
        }
    }

    private func start(context: ChannelHandlerContext) {
        guard !waiting.isEmpty else { return }
        let application = executor.application
        var blocked = Set<Owner>()
        var runs: [Owner: [Request]] = [:]
        var later: [Request] = []
        for request in waiting {
            guard let command = request.command else {
                answer(request.index, KVApplication.CommandReply.unknownCommand.bytes)
                continue
            }
            let owner: Owner
            do {
                owner = try application.owner(of: command)
            } catch {
                answer(request.index, CommandExecutor.errorLine(error))
                continue
            }
            if busy.contains(owner) || blocked.contains(owner) {
                later.append(request)
                continue
            }
            if runs[owner] == nil, let reply = application.runDirectly(command) {
                answer(request.index, reply.bytes)
                continue
            }
            // This node's own slow commands (a CREATE) run alone: the direct ones behind them wait.
            if let run = runs[owner], owner == application.node.name || run.count >= configuration.maxBatch {
                blocked.insert(owner)
                later.append(request)
                continue
            }
            runs[owner, default: []].append(request)
        }
        waiting = later
        for (owner, run) in runs { dispatch(run, owner: owner, context: context) }
    }

    private func answer(_ index: Int, _ reply: [UInt8]) {
        replies[replies.index(replies.startIndex, offsetBy: index - replyBase)] = reply
    }

    /// Hands a run of commands for `owner` to the executor.
    private func dispatch(_ run: [Request], owner: Owner, context: ChannelHandlerContext) {
        busy.insert(owner)
        let lines = run.map { Array($0.line.readableBytesView) }
        let indices = run.map(\.index)
        let promise = context.eventLoop.makePromise(of: [[UInt8]].self)
        executor.submit(lines, owner: owner, promise: promise)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { results in
            let (connection, context) = loopBound.value
            connection.busy.remove(owner)
            guard context.channel.isActive else { return }
            for (index, reply) in zip(indices, results) { connection.answer(index, reply) }
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
