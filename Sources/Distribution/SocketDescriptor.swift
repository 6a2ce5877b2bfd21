import Glibc
import NIOCore

/// Finds the file descriptor behind a connected channel, which SwiftNIO keeps to itself: the one
/// open socket of this process whose two ends are the channel's. `BusyWait` polls it.
enum SocketDescriptor {
    /// The descriptor of the TCP socket connecting `local` to `remote`, or nil when none is found
    /// (no `/proc/self/fd`, or the channel closed meanwhile). Reads each open descriptor's
    /// addresses once: for a connection just set up, not for every message.
    static func find(local: SocketAddress, remote: SocketAddress) -> CInt? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let descriptor = CInt(name), descriptor != own else { continue }
            if matches(descriptor, getsockname, local) && matches(descriptor, getpeername, remote) {
                return descriptor
            }
        }
        return nil
    }

    private typealias AddressQuery = (CInt, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt

    /// Whether `query` (`getsockname` or `getpeername`) of `descriptor` is `address`: same family,
    /// port and host.
    private static func matches(_ descriptor: CInt, _ query: AddressQuery, _ address: SocketAddress) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(descriptor, $0, &length) }
        }
        guard found == 0 else { return false }
        switch address {
        case .v4(let expected):
            guard storage.ss_family == sa_family_t(AF_INET) else { return false }
            let actual = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }
            return actual.sin_port == expected.address.sin_port
                && actual.sin_addr.s_addr == expected.address.sin_addr.s_addr
        case .v6(let expected):
            guard storage.ss_family == sa_family_t(AF_INET6) else { return false }
            let actual = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }
            return actual.sin6_port == expected.address.sin6_port
                && withUnsafeBytes(of: actual.sin6_addr) { lhs in
                    withUnsafeBytes(of: expected.address.sin6_addr) { rhs in lhs.elementsEqual(rhs) }
                }
        case .unixDomainSocket:
            return false
        }
    }
}
