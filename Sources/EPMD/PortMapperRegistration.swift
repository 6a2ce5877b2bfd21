import NIOCore

/// A node's registration with a port mapper. The mapper keeps the name for exactly as long as
/// the TCP connection that registered it stays open, so this object owns that connection.
public final class PortMapperRegistration: Sendable {
    /// What was registered.
    public let node: PortMapperNode
    /// The creation the mapper handed out: the node puts it in every pid, port and reference it
    /// makes, so that peers can tell this incarnation from an earlier one of the same name.
    public let creation: UInt32
    private let channel: Channel

    init(node: PortMapperNode, creation: UInt32, channel: Channel) {
        self.node = node
        self.creation = creation
        self.channel = channel
    }

    /// Closes the connection, which makes the mapper forget the name.
    public func close() async {
        // Closing twice, or after the mapper went away, fails with `alreadyClosed`: the
        // registration is gone either way, which is all the caller asked for.
        try? await channel.close()
    }
}
