/// What a node tells the port mapper about itself in `ALIVE2_REQ`, and what the mapper hands
/// back in `PORT2_RESP`: enough for a peer to open a distribution connection to it.
public struct PortMapperNode: Hashable, Sendable {
    /// The type byte of a visible node; a hidden node (no `PUBLISHED` flag) says ``hidden``.
    public static let normal: UInt8 = 77
    /// The type byte of a hidden node.
    public static let hidden: UInt8 = 72
    /// The longest name, in UTF-8 bytes, that the mapper and this codec accept, as an atom's limit.
    public static let maximumNameLength = 255

    /// The part of the node name before the `@`: the mapper knows only its own host's nodes.
    public var name: String
    /// The TCP port the node accepts distribution connections on.
    public var port: UInt16
    /// ``normal`` or ``hidden``.
    public var nodeType: UInt8
    /// The transport: 0 is TCP/IPv4, the only one OTP uses.
    public var `protocol`: UInt8
    /// The highest distribution protocol version the node speaks (6 from OTP 23 on).
    public var highestVersion: UInt16
    /// The lowest distribution protocol version the node speaks.
    public var lowestVersion: UInt16
    /// Opaque bytes the node registered with and the mapper hands back unchanged.
    public var extra: [UInt8]

    public init(
        name: String,
        port: UInt16,
        nodeType: UInt8 = PortMapperNode.normal,
        protocol: UInt8 = 0,
        highestVersion: UInt16 = 6,
        lowestVersion: UInt16 = 6,
        extra: [UInt8] = []
    ) {
        self.name = name
        self.port = port
        self.nodeType = nodeType
        self.protocol = `protocol`
        self.highestVersion = highestVersion
        self.lowestVersion = lowestVersion
        self.extra = extra
    }

    /// Checks a name is one the mapper can hold: not empty, at most ``maximumNameLength`` bytes.
    /// - Throws: ``PortMapperError/malformed(_:)`` for an empty name,
    ///   ``PortMapperError/tooLong(what:length:limit:)`` for a long one.
    static func validate(name: String) throws {
        let length = name.utf8.count
        guard length > 0 else { throw PortMapperError.malformed("empty node name") }
        guard length <= maximumNameLength else {
            throw PortMapperError.tooLong(what: "node name", length: length, limit: maximumNameLength)
        }
    }
}
