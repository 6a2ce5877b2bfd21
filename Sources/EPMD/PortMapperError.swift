/// Everything that can go wrong talking to, or being, a port mapper.
public enum PortMapperError: Error, Hashable, Sendable {
    /// A request starting with a byte that names no request this mapper serves: probably another
    /// protocol on the mapper's port, or one of epmd's admin requests (`DUMP`, `KILL`, `STOP`).
    case unknownRequest(UInt8)
    /// A reply starting with a byte that does not answer the request sent: probably not a port
    /// mapper listening on that port.
    case unexpectedResponse(UInt8)
    /// A message whose fields disagree with each other or with its length; says what and where.
    case malformed(String)
    /// A name, a request or a reply longer than the limit, checked before anything is buffered.
    case tooLong(what: String, length: Int, limit: Int)
    /// The mapper refused a registration because a live node holds that name already.
    case nameTaken(String)
    /// Nothing accepted a connection there: no port mapper runs on that host and port.
    case unreachable(host: String, port: Int)
    /// The mapper accepted the connection but did not answer in time.
    case timedOut(host: String, port: Int)
    /// The mapper closed the connection before its reply was complete.
    case closedEarly(host: String, port: Int)
    /// The operating system could not start a detached mapper process (`errno` from posix_spawn).
    case spawnFailed(executable: String, errno: Int32)
}
