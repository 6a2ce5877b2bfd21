import NIOCore

/// Runs a node's processes on a SwiftNIO event loop: the thread that reads and writes the
/// node's connections. Between threads, each handoff is a kernel wake-up (expensive where
/// system calls are, e.g. under gVisor); on one thread a message from the wire resumes its
/// process, and the process's reply is queued for the socket, without any. Jobs count as the
/// loop's work for `BusyWait`: when the last one is done, the loop spins before it sleeps.
final class EventLoopExecutor: TaskExecutor {
    private let busyWait: BusyWait

    init(_ busyWait: BusyWait) {
        self.busyWait = busyWait
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let busyWait = busyWait
        busyWait.workQueued()
        busyWait.eventLoop.execute {
            job.runSynchronously(on: executor)
            busyWait.workDone()
        }
    }
}
