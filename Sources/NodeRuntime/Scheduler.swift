import DequeModule
import Foundation
import Synchronization

/// Runs every process of a node, as the BEAM's schedulers do: one thread per core, each with its
/// own run queue, idle threads stealing from busy ones.
///
/// Why not Swift's global executor: a message to a waiting process resumes its task, and on the
/// global (Dispatch) executor every resume may hop threads and wake one through the kernel. Here a
/// process woken by another process on the same thread is queued behind it on that thread and runs
/// next, with no system call — which is what makes local ping-pong cheap.
public final class Scheduler: TaskExecutor, @unchecked Sendable {
    // Safe to share: `workers` is immutable after init; each worker guards its own queue with its
    // lock; `nextWorker` and `sleepers` are atomics.
    let workers: [Worker]
    private let nextWorker = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)

    /// - Parameter threads: scheduler threads; defaults to the number of cores, like `erl +S`.
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let count = max(1, threads)
        workers = (0..<count).map { Worker(index: $0) }
        for worker in workers { worker.start(scheduler: self) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if let worker = Worker.current, worker.scheduler === self {
            let depth = worker.push(job)
            // A second job waiting here could run elsewhere: ask a sleeping thread to steal it.
            if depth > 1 && sleepers.load(ordering: .relaxed) > 0 { wakeOneSleeper(besides: worker) }
        } else {
            let worker = workers[nextWorker.wrappingAdd(1, ordering: .relaxed).oldValue % workers.count]
            worker.pushFromOutside(job)
        }
    }

    private func wakeOneSleeper(besides busy: Worker) {
        for worker in workers where worker !== busy && worker.wakeIfSleeping() { return }
    }

    /// Takes up to half of another worker's queue for `thief`.
    func steal(for thief: Worker) -> UnownedJob? {
        let start = thief.index
        for offset in 1..<max(workers.count, 1) {
            let victim = workers[(start + offset) % workers.count]
            if let job = victim.giveHalf(to: thief) { return job }
        }
        return nil
    }
}

/// One scheduler thread and its run queue.
final class Worker: @unchecked Sendable {
    // Safe to share: `queue` and `sleeping` are only touched with `lock` held; `scheduler` is
    // written once in `start` before the thread runs and never again.
    let index: Int
    private let lock = ConditionLock()
    private var queue = Deque<UnownedJob>()
    private var sleeping = false
    /// The queue's length, readable without the lock, so that thieves look before they lock.
    private let queued = Atomic<Int>(0)
    private(set) unowned(unsafe) var scheduler: Scheduler?

    init(index: Int) { self.index = index }

    static let spinsBeforeSleep = 200

    static var current: Worker? {
        guard let raw = pthread_getspecific(workerKey) else { return nil }
        return Unmanaged<Worker>.fromOpaque(raw).takeUnretainedValue()
    }

    func start(scheduler: Scheduler) {
        self.scheduler = scheduler
        let thread = Thread { [self] in run() }
        thread.name = "kvsh-scheduler-\(index)"
        // Process bodies are async, so their frames live on the heap; a roomy stack still helps
        // synchronous work such as releasing very deep terms.
        thread.stackSize = 64 << 20
        thread.start()
    }

    /// Queues a job from this worker's own thread; returns the queue's new depth.
    func push(_ job: UnownedJob) -> Int {
        lock.withLock {
            queue.append(job)
            queued.store(queue.count, ordering: .relaxed)
            return queue.count
        }
    }

    func pushFromOutside(_ job: UnownedJob) {
        lock.withLock {
            queue.append(job)
            queued.store(queue.count, ordering: .relaxed)
            if sleeping { lock.signal() }
        }
    }

    func wakeIfSleeping() -> Bool {
        lock.withLock {
            guard sleeping else { return false }
            lock.signal()
            return true
        }
    }

    func giveHalf(to thief: Worker) -> UnownedJob? {
        guard queued.load(ordering: .relaxed) > 1 else { return nil }
        let taken: [UnownedJob] = lock.withLock {
            // Leave the victim its next job: stealing a lone job only moves a conversation
            // between threads (and its cache lines with it) without adding parallelism.
            let count = queue.count / 2
            guard count > 0 else { return [] }
            let stolen = Array(queue.prefix(count))
            queue.removeFirst(count)
            queued.store(queue.count, ordering: .relaxed)
            return stolen
        }
        guard let first = taken.first else { return nil }
        if taken.count > 1 {
            thief.lock.withLock {
                thief.queue.append(contentsOf: taken.dropFirst())
                thief.queued.store(thief.queue.count, ordering: .relaxed)
            }
        }
        return first
    }

    private func run() {
        pthread_setspecific(workerKey, Unmanaged.passUnretained(self).toOpaque())
        guard let scheduler else { return }
        let executor = scheduler.asUnownedTaskExecutor()
        while true {
            if let job = nextJob(scheduler) {
                job.runSynchronously(on: executor)
            }
        }
    }

    private func popFirst() -> UnownedJob? {
        lock.withLock {
            defer { queued.store(queue.count, ordering: .relaxed) }
            return queue.popFirst()
        }
    }

    private func nextJob(_ scheduler: Scheduler) -> UnownedJob? {
        // Look for work for a little while before sleeping, as the BEAM's schedulers do: going to
        // sleep and being woken costs two system calls, more than a busy node's next job is away.
        for spin in 0..<Self.spinsBeforeSleep {
            if let job = popFirst() { return job }
            if let job = scheduler.steal(for: self) { return job }
            if spin > 16 { sched_yield() }
        }
        lock.lock()
        defer { lock.unlock() }
        if let job = queue.popFirst() {
            queued.store(queue.count, ordering: .relaxed)
            return job
        }
        sleeping = true
        scheduler.sleepers.add(1, ordering: .relaxed)
        // A bounded sleep: a wake-up lost to a race costs at most this long, never a hang.
        lock.wait(untilNanoseconds: monotonicNanoseconds() + 20_000_000)
        scheduler.sleepers.subtract(1, ordering: .relaxed)
        sleeping = false
        defer { queued.store(queue.count, ordering: .relaxed) }
        return queue.popFirst()
    }
}

private let workerKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
