import NIOCore

/// What a `KVServer` allows its clients.
public struct KVServerConfiguration: Sendable {
    /// The longest line taken (64 KiB): a longer one gets `ERROR line too long` and the connection closes.
    public var maxLineLength = 64 * 1024
    /// A client silent this long with no command of its own in progress is disconnected (a client
    /// that connects and sends nothing, or half a line).
    public var idleTimeout: TimeAmount = .seconds(300)
    /// Replies waiting for a client beyond this many bytes make the server stop reading from it.
    public var maxPendingOutput = 1024 * 1024
    /// A client that leaves `maxPendingOutput` unread this long is disconnected.
    public var stalledWriterTimeout: TimeAmount = .seconds(10)
    /// Commands received and not yet answered beyond this count make the server stop reading from
    /// the client until it catches up.
    public var maxQueuedCommands = 1024
    /// How many consecutive commands for one other node go there in one message.
    public var maxBatch = 64
    /// How long `stop()` waits for connections to answer what they received before closing them anyway.
    public var shutdownGracePeriod: TimeAmount = .seconds(10)
    /// Where a line per accepted and closed connection goes (debug logging); nil: nowhere.
    public var debugLog: (@Sendable (String) -> Void)?

    public init() {}
}
