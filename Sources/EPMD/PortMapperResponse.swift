/// A port mapper's reply; which one comes depends on the request, so decoding needs the
/// request's ``PortMapperRequest/Code``.
public enum PortMapperResponse: Hashable, Sendable {
    /// `ALIVE2_X_RESP` (118): result 0 and the creation the node must put in its pids, ports and
    /// references; any other result means refused (the name is taken).
    case alive2(result: UInt8, creation: UInt32)
    /// `ALIVE2_RESP` (121): the same for peers whose highest version is below 6, which only know
    /// 16-bit creations.
    case alive2Short(result: UInt8, creation: UInt16)
    /// `PORT2_RESP` (119): the registered node, or nil when no node has that name.
    case port2(PortMapperNode?)
    /// The `NAMES_REQ` reply: the mapper's own port, then each registered node, newest first.
    case names(mapperPort: UInt32, nodes: [NamedPort])

    /// One line of the `NAMES_REQ` reply: `name foo at port 38963`.
    public struct NamedPort: Hashable, Sendable {
        public var name: String
        public var port: Int

        public init(name: String, port: Int) {
            self.name = name
            self.port = port
        }
    }

    /// First byte of `ALIVE2_X_RESP`.
    static let alive2Code: UInt8 = 118
    /// First byte of `ALIVE2_RESP`.
    static let alive2ShortCode: UInt8 = 121
    /// First byte of `PORT2_RESP`.
    static let port2Code: UInt8 = 119
}
