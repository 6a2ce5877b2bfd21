import NIOCore

/// Runs a node's processes on a SwiftNIO event loop: the thread that reads and writes the
/// node's connections. Between threads, each handoff is a kernel wake-up (expensive where
/// system calls are, e.g. under gVisor); on one thread a message from the wire resumes its
/// process, and the process's reply is queued for the socket, without any.
final class EventLoopExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
