import Foundation
import HeapModule

/// One thread that fires actions at deadlines: `receive ... after`, `Process.send_after`,
/// `:timer.sleep`. Actions must be short (they resume a process or deliver a message).
final class Timers: @unchecked Sendable {
    // Safe to share: `heap`, `actions`, `nextID` are only touched with `lock` held.
    private let lock = ConditionLock()
    private var heap = Heap<Entry>()
    private var actions: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 1

    struct Entry: Comparable {
        let deadline: UInt64
        let id: UInt64
        static func < (a: Entry, b: Entry) -> Bool { (a.deadline, a.id) < (b.deadline, b.id) }
    }

    init() {
        let thread = Thread { [self] in run() }
        thread.name = "kvsh-timers"
        thread.start()
    }

    /// Runs `action` on the timer thread after `nanoseconds`; returns an id for `cancel`.
    func schedule(afterNanoseconds nanoseconds: UInt64, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = monotonicNanoseconds() &+ nanoseconds
        return lock.withLock {
            let id = nextID
            nextID += 1
            actions[id] = action
            let wakesEarlier = heap.min.map { deadline < $0.deadline } ?? true
            heap.insert(Entry(deadline: deadline, id: id))
            if wakesEarlier { lock.signal() }
            return id
        }
    }

    /// Cancels a timer; true when it had not fired yet.
    @discardableResult
    func cancel(_ id: UInt64) -> Bool {
        lock.withLock {
            let removed = actions.removeValue(forKey: id) != nil
            // Cancelled entries stay in the heap until their deadline; rebuild when they dominate
            // so that many long, cancelled timeouts cannot grow memory without bound.
            if heap.count > 1024 && heap.count > 4 * actions.count {
                heap = Heap(heap.unordered.filter { actions[$0.id] != nil })
            }
            return removed
        }
    }

    /// Milliseconds left before timer `id` fires, nil when it has fired or was cancelled.
    func remainingMilliseconds(_ id: UInt64) -> Int? {
        lock.withLock {
            guard actions[id] != nil, let entry = heap.unordered.first(where: { $0.id == id }) else { return nil }
            let now = monotonicNanoseconds()
            return entry.deadline > now ? Int((entry.deadline - now) / 1_000_000) : 0
        }
    }

    private func run() {
        while true {
            var due: [@Sendable () -> Void] = []
            lock.withLock {
                let now = monotonicNanoseconds()
                while let first = heap.min, first.deadline <= now {
                    heap.removeMin()
                    if let action = actions.removeValue(forKey: first.id) { due.append(action) }
                }
                if due.isEmpty {
                    if let first = heap.min {
                        lock.wait(untilNanoseconds: first.deadline)
                    } else {
                        lock.wait()
                    }
                }
            }
            for action in due { action() }
        }
    }
}
