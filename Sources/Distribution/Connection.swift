import ETF
import NIOCore
import Synchronization

/// One connection to another node, as the rest of the node sees it: somewhere to send control
/// messages. Any thread may send; frames are appended to a buffer under a lock and written by
/// the channel's event loop in one go, so a burst of sends becomes one write.
final class Connection: Sendable {
    let kernel: NetKernel
    let channel: any Channel
    /// The connection-table attempt this connection settles (see `NetKernel.Entry`).
    let attempt: Int
    /// The handshake this connection starts with; the handler runs it.
    let handshake: Handshake
    private let outbound = Mutex(Outbound())

    private struct Outbound {
        var bytes: [UInt8] = []
        /// Frames in `bytes`.
        var frames = 0
        var flushScheduled = false
        /// False while the socket's send buffer is full (the peer reads slower than we write):
        /// frames wait here, up to `maxBufferedBytes`.
        var writable = true
        var closing = false
        /// Something went out since the ticker last looked.
        var wroteSinceTick = false
        /// The atoms the peer holds for us, when both sides negotiated the atom cache: frames
        /// are encoded here, under the lock, in the order they go out.
        var atomCache: AtomCacheEncoder?
    }

    /// Bytes waiting for a peer that does not read: past this the connection is closed, as a
    /// peer that stopped reading is as good as gone (OTP would block the senders instead).
    static let maxBufferedBytes = 256 << 20
    /// In a burst (more process jobs waiting behind the one running), frames go out every this
    /// many instead of all at the end: the peer starts on the first requests while the rest are
    /// being made. Eight callers in lock-step otherwise left each node idle while the other
    /// worked; with writes every 4 frames, 8-caller rpc and task rates rose by about a third.
    static let framesPerWrite = 4

    init(kernel: NetKernel, channel: any Channel, attempt: Int, handshake: Handshake) {
        self.kernel = kernel
        self.channel = channel
        self.attempt = attempt
        self.handshake = handshake
    }

    /// Queues a control message in a connected-state frame (4-byte length, then the body),
    /// encoded straight into the outbound buffer: no array per message on the send path.
    func send(_ message: ControlMessage) {
        enqueue { bytes, atomCache in
            let start = bytes.count
            bytes.append(contentsOf: [0, 0, 0, 0])
            message.encodeFrame(into: &bytes, atomCache: atomCache)
            let length = UInt32(bytes.count - start - 4).bigEndian
            withUnsafeBytes(of: length) { bytes.replaceSubrange(start..<start + 4, with: $0) }
        }
    }

    /// An empty frame: tells a quiet peer we are alive.
    func sendTick() {
        enqueue { bytes, _ in bytes.append(contentsOf: [0, 0, 0, 0]) }
    }

    /// From the handshake on, frames carry a distribution header and refer to atoms sent before
    /// (`DIST_HDR_ATOM_CACHE`, when both sides have it). Called before the first frame.
    func useAtomCache() {
        outbound.withLock { $0.atomCache = AtomCacheEncoder() }
    }

    /// True when a frame went out since the last call (the ticker's question).
    func takeWroteSinceTick() -> Bool {
        outbound.withLock { state in
            defer { state.wroteSinceTick = false }
            return state.wroteSinceTick
        }
    }

    private func enqueue(_ append: (inout [UInt8], AtomCacheEncoder?) -> Void) {
        enum Next { case flush, flushNow, none, overflow }
        let onLoop = channel.eventLoop.inEventLoop
        let next = outbound.withLock { state -> Next in
            guard !state.closing else { return .none }
            append(&state.bytes, state.atomCache)
            state.frames += 1
            state.wroteSinceTick = true
            if state.bytes.count > Self.maxBufferedBytes {
                state.closing = true
                state.bytes = []
                return .overflow
            }
            // The running job, this connection's flush, and more jobs waiting: a burst.
            if onLoop, state.writable, state.frames >= Self.framesPerWrite,
               kernel.busyWait.queuedWork > (state.flushScheduled ? 2 : 1) { return .flushNow }
            guard state.writable, !state.flushScheduled else { return .none }
            state.flushScheduled = true
            return .flush
        }
        switch next {
        case .flushNow:
            write()
        case .flush:
            let busyWait = kernel.busyWait
            busyWait.workQueued()
            channel.eventLoop.execute { self.flushBehindQueuedWork(busyWait, deferred: false) }
        case .overflow:
            kernel.node.log("[error] ** Node \(channel.remoteAddress.map { "\($0)" } ?? "?") does not read what we send; closing the connection **")
            close()
        case .none:
            break
        }
    }

    /// Writes what waits once the work queued on the loop ahead of it has run, so that frames
    /// those jobs add go out in the same write: a spawn request's reply and, right behind it, the
    /// spawned process's exit (an rpc's whole answer) become one write and one read for the peer
    /// instead of two. Deferred once only, so a busy loop cannot hold frames back for long.
    private func flushBehindQueuedWork(_ busyWait: BusyWait, deferred: Bool) {
        if !deferred, busyWait.queuedWork > 1 {
            channel.eventLoop.execute { self.flushBehindQueuedWork(busyWait, deferred: true) }
            return
        }
        flush()
        busyWait.workDone()
    }

    /// The scheduled flush: the next frame schedules another.
    private func flush() {
        outbound.withLock { $0.flushScheduled = false }
        write()
    }

    /// Writes what waits, unless the socket is full.
    private func write() {
        let bytes = outbound.withLock { state -> [UInt8] in
            guard state.writable else { return [] }
            defer { state.bytes.removeAll(keepingCapacity: true); state.frames = 0 }
            return state.bytes
        }
        guard !bytes.isEmpty else { return }
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
    }

    /// The socket's send buffer filled up or drained (NIO's writability, from its water marks).
    func writabilityChanged(_ writable: Bool) {
        outbound.withLock { $0.writable = writable }
        if writable { flush() }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Moves a connection's bytes: handshake frames through the `Handshake` state machine, then
/// connected-state frames decoded into control messages for the `NetKernel`. Lives on the
/// channel's event loop.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let connection: Connection
    private var handshake: Handshake
    private var parser: DistributionFrameParser
    /// The atoms the peer has put in its cache slots, when its frames carry headers.
    private var atomCache = AtomCacheDecoder()
    private var cumulation: ByteBuffer?
    /// The node on the other side: known from the start when we dial, after `send_name` when we accept.
    private var peer: Atom?
    private var isUp = false
    /// We dialed (the peer is known from the start); otherwise the peer dialed us.
    private let isInitiator: Bool
    /// Refused with `nok`: the peer is dialing us at the same time and its connection wins.
    private var gaveWay = false
    private var setupTimeout: Scheduled<Void>?
    private var ticker: Scheduled<Void>?
    private var readSinceTick = false
    private var silentTicks = 0
    /// The socket, once up, as `BusyWait` polls it.
    private var descriptor: CInt?

    init(connection: Connection, peer: Atom? = nil) {
        self.connection = connection
        handshake = connection.handshake
        parser = DistributionFrameParser(mode: .handshake, maxFrameSize: connection.kernel.settings.maxFrameSize)
        self.peer = peer
        isInitiator = peer != nil
    }

    private var kernel: NetKernel { connection.kernel }

    func channelActive(context: ChannelHandlerContext) {
        let limit = TimeAmount.seconds(Int64(kernel.settings.setupTimeSeconds))
        setupTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in
            guard !isUp else { return }
            fail(.timedOut, context: context)
        }
        if !superseded(context: context) { perform(handshake.start(), context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        readSinceTick = true
        if cumulation == nil {
            cumulation = incoming
        } else {
            cumulation!.writeBuffer(&incoming)
        }
        do {
            while context.channel.isActive, var buffer = cumulation, let frame = try parser.next(from: &buffer) {
                cumulation = buffer
                switch frame {
                case .tick:
                    break
                case .body(let body):
                    if isUp {
                        do {
                            let message = try ControlMessage.decode(frameBody: body, atomCache: &atomCache)
                            kernel.dispatch(message, from: peer!, over: connection)
                        } catch .payloadTooDeep(let limit, let opcode, let message) {
                            log("** Dropped a message (control message \(opcode)) from node \(peerDescription): its term nests deeper than \(limit) levels **")
                            if let message { kernel.refuseTooDeep(message, over: connection) }
                        }
                    } else if !superseded(context: context) {
                        perform(handshake.receive(Array(buffer: body)), context: context)
                    }
                }
            }
        } catch {
            log("** Closing the connection to node \(peerDescription): \(error) **")
            cumulation = nil
            context.close(promise: nil)
            return
        }
        if let buffer = cumulation, buffer.readableBytes == 0 {
            cumulation = nil
        } else {
            cumulation?.discardReadBytes()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if isUp { kernel.busyWait.activity() }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection.writabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Bytes of an unfinished frame left when the peer went: a peer that died or lost step.
        if let unread = cumulation?.readableBytes, unread > 0 {
            log(
                "** Connection to node \(peerDescription) closed in the middle of a frame (\(unread) bytes of it read) **")
        }
        setupTimeout?.cancel()
        ticker?.cancel()
        if let descriptor { kernel.busyWait.unwatch(descriptor) }
        kernel.closed(connection, peer: peer, wasUp: isUp, gaveWay: gaveWay, accepted: !isInitiator)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: - Handshake

    private func perform(_ directives: [Handshake.Directive], context: ChannelHandlerContext) {
        for directive in directives {
            switch directive {
            case .send(let message):
                var buffer = context.channel.allocator.buffer(capacity: message.count + 2)
                // Handshake messages are a few dozen bytes: they always fit the 2-byte length.
                try! buffer.writeDistributionFrame(message, mode: .handshake)
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            case .checkPeer(let name):
                peer = name
                let status = kernel.status(forIncoming: name, attempt: connection.attempt)
                perform(handshake.resolve(status), context: context)
            case .confirmAlive(let name):
                perform(handshake.answerAlive(kernel.owns(name, attempt: connection.attempt)), context: context)
            case .replaceExisting(let name):
                kernel.replaceStale(name, attempt: connection.attempt)
            case .established(let established):
                setupTimeout?.cancel()
                peer = established.name
                parser.mode = .connected
                if established.flags.contains(.distHeaderAtomCache) { connection.useAtomCache() }
                guard kernel.established(connection, peer: established) else {
                    context.close(promise: nil)
                    return
                }
                isUp = true
                if let local = context.channel.localAddress, let remote = context.channel.remoteAddress,
                   let descriptor = SocketDescriptor.find(local: local, remote: remote) {
                    self.descriptor = descriptor
                    kernel.busyWait.watch(descriptor)
                }
                startTicking(context: context)
            case .fail(let error):
                fail(error, context: context)
            }
        }
    }

    /// A connection we dial whose row has moved on (the peer's own connection won, or a newer
    /// attempt owns it) stops at once, before the acceptor can go live with it and send over a
    /// connection that our side would refuse.
    private func superseded(context: ChannelHandlerContext) -> Bool {
        guard isInitiator, let peer, !kernel.owns(peer, attempt: connection.attempt) else { return false }
        cumulation = nil
        context.close(promise: nil)
        return true
    }

    private func fail(_ error: HandshakeError, context: ChannelHandlerContext) {
        // `nok` is the normal end of the losing half of a simultaneous connect; `alive` answered
        // false, of a late half when the other already won.
        switch error {
        case .refused(_, "nok"): gaveWay = true
        case .refused(_, "alive"), .refused(_, "alive/false"): break
        default: log(error.logLine)
        }
        cumulation = nil
        context.close(promise: nil)
    }

    // MARK: - Ticks

    /// Every quarter of the tick time: tick when we sent nothing, and drop a peer that has been
    /// silent for four quarters, as net_kernel does.
    private func startTicking(context: ChannelHandlerContext) {
        let interval = TimeAmount.milliseconds(Int64(kernel.settings.tickTimeSeconds) * 250)
        ticker = context.eventLoop.assumeIsolated().scheduleTask(in: interval) { [self] in
            if !connection.takeWroteSinceTick() { connection.sendTick() }
            if readSinceTick {
                silentTicks = 0
            } else {
                silentTicks += 1
                if silentTicks >= 4 {
                    log("** Node \(peerDescription) not responding **\n** Removing (timedout) connection **")
                    context.close(promise: nil)
                    return
                }
            }
            readSinceTick = false
            startTicking(context: context)
        }
    }

    /// Logs at error level, as OTP's error_logger reports reach iex's terminal.
    private func log(_ text: String) {
        kernel.node.log("[error] " + text)
    }

    private var peerDescription: String {
        peer.map { Term.atom($0).inspect() } ?? "(unknown)"
    }
}
