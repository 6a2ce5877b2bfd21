import Glibc
import NIOCore
import Synchronization

/// Keeps a node's network thread awake for a moment after its work runs out, polling its
/// connections, before it goes to sleep in the event loop's `epoll_wait`: the BEAM's scheduler
/// busy wait (`+sbwt`). An answer usually comes within a round trip, and a thread that sleeps
/// must be woken by the kernel, which costs more than the round trip itself where wake-ups are
/// dear (two sleeps and wake-ups per round trip were most of its time in a sandbox where each
/// costs ~10–15 µs; polling costs a cheap system call, and no sleep).
///
/// "Work" is what this node queued on the loop itself: process jobs (`EventLoopExecutor`) and
/// frames waiting to be written (`Connection`). When the last of it is done, one spin is queued on
/// the loop; it ends as soon as a connection has something to read (or closes), new work is
/// queued, or `duration` passes. The event loop then polls as usual, and finds the socket ready
/// instead of sleeping. Everything else on the loop (timers, port mapper traffic, new
/// connections) waits at most `duration`.
final class BusyWait: Sendable {
    let eventLoop: any EventLoop
    /// How long one spin lasts at most; zero turns busy waiting off.
    let duration: Duration
    /// Work queued on the loop and not yet done.
    private let pending = Atomic<Int>(0)
    private let state = Mutex(State())

    private struct State {
        /// Sockets of live connections, polled while spinning.
        var descriptors: [CInt] = []
        var spinQueued = false
    }

    init(eventLoop: any EventLoop, duration: Duration) {
        self.eventLoop = eventLoop
        self.duration = duration
    }

    /// Work was queued on the loop (from any thread).
    func workQueued() {
        pending.add(1, ordering: .relaxed)
    }

    /// Queued work is done (on the loop): the last piece queues a spin.
    func workDone() {
        if pending.subtract(1, ordering: .relaxed).newValue == 0 { queueSpin() }
    }

    /// Something happened on the loop that may be answered soon (a read that woke nobody here).
    func activity() {
        if pending.load(ordering: .relaxed) == 0 { queueSpin() }
    }

    /// The sockets polled while spinning.
    var watched: [CInt] {
        state.withLock { $0.descriptors }
    }

    func watch(_ descriptor: CInt) {
        state.withLock { $0.descriptors.append(descriptor) }
    }

    func unwatch(_ descriptor: CInt) {
        state.withLock { state in
            if let index = state.descriptors.firstIndex(of: descriptor) { state.descriptors.remove(at: index) }
        }
    }

    private func queueSpin() {
        guard duration > .zero else { return }
        let queue = state.withLock { state -> Bool in
            guard !state.spinQueued, !state.descriptors.isEmpty else { return false }
            state.spinQueued = true
            return true
        }
        if queue { eventLoop.execute { self.spin() } }
    }

    /// Polls the connections without sleeping until one is ready, work arrives, or time is up.
    private func spin() {
        let descriptors = state.withLock { state in
            state.spinQueued = false
            return state.descriptors
        }
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: duration)
        while pending.load(ordering: .relaxed) == 0, clock.now < deadline {
            // Ready, closed or failed (or interrupted): the event loop takes it from here.
            if poll(&polled, nfds_t(polled.count), 0) != 0 { return }
        }
    }
}
