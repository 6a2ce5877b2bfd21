import Glibc
import NIOCore
import Synchronization

/// Keeps a node's network thread awake for a moment after its work runs out, polling its
/// connections, before it goes to sleep in the event loop's `epoll_wait`: the BEAM's scheduler
/// busy wait (`+sbwt`). An answer usually comes within a round trip, and a thread that sleeps
/// must be woken by the kernel, which on this 2-core virtual machine costs more than the round
/// trip itself: a C ping-pong over loopback took 34 µs sleeping in `epoll_wait` and 15 µs
/// polling; kvsh nodes went from ~79 to ~46 µs.
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

    /// Pieces of work queued on the loop and not done, the one running included.
    var queuedWork: Int {
        pending.load(ordering: .relaxed)
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
    ///
    /// Each turn yields the core to whatever else is ready (one cheap system call when nothing
    /// is). On a busy machine a thread that spins without yielding keeps its core from the peer
    /// it waits for, and the kernel's scheduler then treats it as a hog: round trips were
    /// sometimes four times slower than with no spin at all (~280 against ~70 µs, load 4 on
    /// 2 cores); yielding, they were as fast as without spins or faster.
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
            sched_yield()
        }
    }
}
