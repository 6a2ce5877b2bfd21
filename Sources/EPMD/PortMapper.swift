/// The Erlang port mapper (EPMD): node names to distribution ports, on TCP port 4369 or
/// `ERL_EPMD_PORT`. This module holds its wire format, a client and a compatible daemon.
public enum PortMapper {
    /// The port a port mapper listens on: `ERL_EPMD_PORT` when set, else 4369.
    public static func defaultPort(environment: [String: String]) -> Int {
        environment["ERL_EPMD_PORT"].flatMap { Int($0) }.flatMap { (1...65535).contains($0) ? $0 : nil } ?? 4369
    }
}
