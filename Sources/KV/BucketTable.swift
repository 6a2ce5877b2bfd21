import ETF
import Synchronization

/// The registry's bucket names, readable by anyone on the node without a message, as the guide's
/// ETS table is: the TCP server looks a bucket up for every command. Only the registry's own
/// process writes it, so it always holds the registry's view.
final class BucketTable: Sendable {
    struct Entry: Sendable {
        let pid: Pid
        /// The registry's monitor on the bucket: its `:DOWN` removes this entry and no later one.
        let monitor: Reference
        /// The bucket's state, for direct `Map` calls by the TCP server.
        let store: BucketStore
    }

    private let entries = Mutex<[[UInt8]: Entry]>([:])

    func lookup(_ name: [UInt8]) -> Pid? {
        entries.withLock { $0[name]?.pid }
    }

    func entry(_ name: [UInt8]) -> Entry? {
        entries.withLock { $0[name] }
    }

    func insert(_ name: [UInt8], _ entry: Entry) {
        entries.withLock { $0[name] = entry }
    }

    /// Forgets `name` if it still stands for the bucket `monitor` watched.
    func remove(_ name: [UInt8], monitor: Reference) {
        entries.withLock { table in
            if table[name]?.monitor == monitor { table.removeValue(forKey: name) }
        }
    }

    /// Forgets every bucket: the registry ended, and its table goes with it as an ETS table does.
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    var names: [[UInt8]] {
        entries.withLock { Array($0.keys) }
    }
}
