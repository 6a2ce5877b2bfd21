import ETF
import NodeRuntime

/// The text server's fast path on the node that owns a bucket: the command runs on the caller's
/// thread against the registry's table and the bucket's shared state (`BucketStore`), with no
/// process and no message, and gives the same answer `run` would.
extension KVApplication {
    /// The node the routing table sends `command` to.
    /// - Throws: `RoutingTableError` (no entry for the bucket's first byte, an empty name).
    public func owner(of command: Command) throws(RoutingTableError) -> Atom {
        try routingTable.node(for: command.bucket)
    }

    /// `command`'s reply when it can be answered here and now without waiting; nil when it needs
    /// `run` (another node owns the bucket, a CREATE of a new bucket, a bucket busy with a
    /// function or gone).
    public func runDirectly(_ command: Command) -> CommandReply? {
        guard (try? owner(of: command)) == node.name else { return nil }
        guard let bucket = registry.bucket(command.bucket) else {
            // The registry's lookup gives `:error`: `run` would answer the same, but a CREATE
            // must go through the registry's process.
            if case .create = command { return nil }
            return .notFound
        }
        switch command {
        case .create:
            return bucket.store.hasEnded ? nil : .ok
        case .get(_, let key):
            guard let value = bucket.store.get(.binary(key)) else { return nil }
            return .value(Self.text(of: value ?? .nil))
        case .put(_, let key, let value):
            return bucket.store.put(.binary(key), .binary(value)) ? .ok : nil
        case .delete(_, let key):
            return bucket.store.delete(.binary(key)) ? .ok : nil
        }
    }
}
