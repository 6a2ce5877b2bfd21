import ETF
import Synchronization

/// A bucket's state, shared between the bucket's process and callers on its node that only want
/// the guide's plain `Map.get/put/delete`: the TCP server reads and writes it directly, without a
/// message round trip, while the process still answers every Agent message from anywhere.
///
/// Why this stays linearizable: every change of the state, by the process or by a direct caller,
/// happens inside one critical section of the lock, so each operation takes effect at one instant
/// between its start and its end. A function-based Agent operation (`Agent.update(b, fn ...)`) can
/// run arbitrary code, await and even fail, so it cannot run under the lock: it marks the store
/// busy while it runs, and direct callers then get nil and send their operation as a message,
/// which the bucket answers after the function (its mailbox keeps the order). A state that is not
/// a map (a function made it something else) and a bucket that ended also turn direct callers to
/// messages, whose answer or failure is then exactly what an Agent gives.
final class BucketStore: Sendable {
    private struct Shared {
        var state: Term
        /// A function-based operation holds the state.
        var busy = false
        /// The bucket's process ended; its state is no one's any more.
        var ended = false
    }

    private let shared: Mutex<Shared>

    init(state: Term) {
        shared = Mutex(Shared(state: state))
    }

    // MARK: - Direct callers

    /// `Map.get(state, key)` done directly; nil when the caller must ask the process instead.
    func get(_ key: Term) -> Term?? {
        shared.withLock { shared in
            guard !shared.busy, !shared.ended, case .map(let map) = shared.state else { return nil }
            return .some(map[key])
        }
    }

    /// `Map.put(state, key, value)` done directly; false when the caller must ask the process instead.
    func put(_ key: Term, _ value: Term) -> Bool {
        changeMap { $0[key] = value }
    }

    /// `Map.delete(state, key)` done directly; false when the caller must ask the process instead.
    func delete(_ key: Term) -> Bool {
        changeMap { $0.storage.removeValue(forKey: key) }
    }

    private func changeMap(_ change: (inout TermMap) -> Void) -> Bool {
        shared.withLock { shared in
            guard !shared.busy, !shared.ended, case .map(var map) = shared.state else { return false }
            // The enum lets go of the map's storage first, so the change happens in place.
            shared.state = .nil
            change(&map)
            shared.state = .map(map)
            return true
        }
    }

    // MARK: - The bucket's process

    /// Runs a `Map` call on the state, and settles the reply and the new state (nil: unchanged),
    /// all in one critical section. Nil when the state is no map (the call then runs as a function,
    /// and fails as Elixir's `Map` does).
    /// - Parameter consumingState: the call's value replaces the state, so the map may change in place.
    func withMap(
        consumingState: Bool, _ body: (inout TermMap) throws -> (reply: Term, state: Term?)
    ) throws -> Term? {
        try shared.withLock { shared throws -> Term? in
            guard case .map(var map) = shared.state else { return nil }
            if consumingState { shared.state = .nil }
            let (reply, state) = try body(&map)
            shared.state = state ?? (consumingState ? .map(map) : shared.state)
            return reply
        }
    }

    /// Hands the state to a function-based operation: direct callers wait in the mailbox until
    /// `endFunction`.
    func beginFunction() -> Term {
        shared.withLock { shared in
            shared.busy = true
            return shared.state
        }
    }

    /// The function-based operation is over; `state` is the bucket's state from now on (nil: unchanged).
    func endFunction(state: Term?) {
        shared.withLock { shared in
            if let state { shared.state = state }
            shared.busy = false
        }
    }

    /// The state as it is now (`:sys.get_state/1`).
    var state: Term {
        shared.withLock { $0.state }
    }

    /// True once the bucket's process ended.
    var hasEnded: Bool {
        shared.withLock { $0.ended }
    }

    /// The bucket's process ended: direct callers go to its (dead) pid from now on and get what an
    /// Agent's callers get.
    func end() {
        shared.withLock { $0.ended = true }
    }
}
