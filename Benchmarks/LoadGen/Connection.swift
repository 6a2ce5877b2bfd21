import Glibc

/// One client connection of a run. It writes a batch (one command in request/response mode,
/// `depth` commands in one write when pipelining), reads and checks the replies in order, and
/// when the last one is in, the run decides whether it writes another.
///
/// The latency of a reply is the time from just before the batch's write to just after the
/// read that completed it, as load.py measures it: in pipeline mode the later commands of a
/// batch wait for the earlier ones, and that wait is part of their latency.
final class Connection {
    enum State: Equatable {
        /// No batch outstanding.
        case idle
        /// A batch written (maybe in part), replies outstanding.
        case waiting
        /// The connection is unusable; its outstanding replies were counted wrong.
        case failed
    }

    let index: Int
    let endpoint: Endpoint
    private let socket: Int32
    private let poller: Poller
    private var workload: Workload
    private var batch: Batch
    private(set) var state = State.idle
    /// When the current batch's write started (monotonic nanoseconds).
    private(set) var sentAt: UInt64 = 0
    /// Ops still to do in a phase counted in ops (the warm-up).
    var opsLeft = 0
    private var written = 0
    private var answered = 0
    private var watchingWrites = false
    private var registered = false

    /// Bytes received and not yet consumed are `buffer[start..<end]`. 64 KiB holds far more
    /// than any batch's replies; a reply that does not fit is refused as too long.
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var start = 0
    private var end = 0

    init(index: Int, endpoint: Endpoint, poller: Poller, workload: Workload, depth: Int) throws(LoadGenError) {
        self.index = index
        self.endpoint = endpoint
        self.poller = poller
        self.workload = workload
        batch = Batch(capacity: depth)
        socket = try Socket.connect(to: endpoint)
        Socket.setNonBlocking(socket)
        buffer = .allocate(capacity: 1 << 16)
    }

    deinit {
        close(socket)
        buffer.deallocate()
    }

    /// Draws and writes the next `count` commands.
    func startBatch(count: Int, recorder: Recorder) {
        precondition(state == .idle, "a batch is already outstanding")
        if !registered { poller.add(socket, index: index); registered = true }
        workload.fill(&batch, count: count)
        written = 0
        answered = 0
        state = .waiting
        sentAt = Clock.now()
        flush(recorder: recorder)
    }

    /// Writes what the socket takes of the batch, and asks to hear when it takes more.
    func flush(recorder: Recorder) {
        while written < batch.commands.count {
            let count = batch.commands.withUnsafeBytes { Socket.send(socket, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                return fail("write: \(String(cString: strerror(errno)))", recorder: recorder)
            }
            written += count
        }
        let wantWrites = written < batch.commands.count
        if wantWrites != watchingWrites {
            poller.watchWrites(index: index, wantWrites)
            watchingWrites = wantWrites
        }
    }

    /// Reads what has arrived and checks every complete reply. Afterwards the state is `.idle`
    /// when the batch is all answered.
    func receive(recorder: Recorder) {
        if start == end { start = 0; end = 0 }
        if end == buffer.count {
            guard start > 0 else { return fail("a reply longer than \(buffer.count) bytes", recorder: recorder) }
            UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
            end -= start
            start = 0
        }
        let count = read(socket, buffer.baseAddress! + end, buffer.count - end)
        if count == 0 { return fail("the server closed the connection", recorder: recorder) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { return }
            return fail("read: \(String(cString: strerror(errno)))", recorder: recorder)
        }
        end += count
        let now = Clock.now()
        guard state == .waiting else {
            return fail("\(count) bytes arrived with no command outstanding", recorder: recorder)
        }
        let received = UnsafeBufferPointer(rebasing: buffer[0..<end])
        while answered < batch.count,
              let replyEnd = ReplyFraming.end(in: received, from: start, isGet: batch.isGet(answered)) {
            let reply = received[start..<replyEnd]
            if !reply.elementsEqual(batch.expectedReply(answered)) {
                recorder.wrongAnswer(command: batch.command(answered), expected: batch.expectedReply(answered), got: reply)
            }
            recorder.answered(latency: now - sentAt)
            start = replyEnd
            answered += 1
        }
        if answered == batch.count {
            state = .idle
            if start < end { fail("\(end - start) bytes more than the batch's replies", recorder: recorder) }
        }
    }

    /// Counts every outstanding reply wrong and stops using the connection.
    func fail(_ reason: String, recorder: Recorder) {
        guard state != .failed else { return }
        recorder.unanswered(state == .waiting ? batch.count - answered : 0, reason: "\(endpoint) connection \(index): \(reason)")
        state = .failed
        if registered { poller.remove(index: index); registered = false }
    }
}

/// The monotonic clock in nanoseconds.
enum Clock {
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
