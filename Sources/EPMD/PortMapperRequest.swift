/// A request to the port mapper. Each goes on its own TCP connection; only a registration keeps
/// its connection open afterwards.
public enum PortMapperRequest: Hashable, Sendable {
    /// `ALIVE2_REQ`: register a node under its name for as long as the connection stays open.
    case alive2(PortMapperNode)
    /// `PORT_PLEASE2_REQ`: where does the node with this name listen?
    case portPlease2(name: String)
    /// `NAMES_REQ`: which nodes are registered?
    case names

    /// The first byte of a request's body, which names the request.
    public enum Code: UInt8, Hashable, Sendable {
        case alive2 = 120
        case portPlease2 = 122
        case names = 110
    }

    /// The code that starts this request on the wire.
    public var code: Code {
        switch self {
        case .alive2: .alive2
        case .portPlease2: .portPlease2
        case .names: .names
        }
    }
}
