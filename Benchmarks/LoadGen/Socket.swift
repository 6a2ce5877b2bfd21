import Glibc

/// The few socket calls the tool makes, on plain file descriptors: a measuring tool that shares
/// two cores with the server it measures should spend as little as it can between the bytes.
enum Socket {
    /// A connected TCP socket to `endpoint`, with Nagle off (every batch leaves at once).
    static func connect(to endpoint: Endpoint) throws(LoadGenError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &found)
        guard status == 0, let first = found else {
            throw .resolve(host: endpoint.host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var lastErrno: Int32 = 0
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let candidate = address {
            let socket = Glibc.socket(candidate.pointee.ai_family, candidate.pointee.ai_socktype, candidate.pointee.ai_protocol)
            if socket >= 0 {
                if Glibc.connect(socket, candidate.pointee.ai_addr, candidate.pointee.ai_addrlen) == 0 {
                    var on: Int32 = 1
                    setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                    return socket
                }
                lastErrno = errno
                close(socket)
            } else {
                lastErrno = errno
            }
            address = candidate.pointee.ai_next
        }
        throw .connect(endpoint, reason: String(cString: strerror(lastErrno)))
    }

    static func setNonBlocking(_ socket: Int32) {
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
    }

    /// Blocking reads and writes on `socket` give up after `seconds` (for the setup's sockets).
    static func setTimeout(_ socket: Int32, seconds: Double) {
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// `write(2)` that reports a connection the server closed as EPIPE instead of killing the
    /// tool with SIGPIPE.
    static func send(_ socket: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        Glibc.send(socket, bytes, count, Int32(MSG_NOSIGNAL))
    }

    /// Writes all of `bytes` on a blocking socket.
    static func writeAll(_ socket: Int32, _ bytes: [UInt8], to endpoint: Endpoint) throws(LoadGenError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { send(socket, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(endpoint, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Reads one line (up to and including `\n`) from a blocking socket, a byte at a time: only
    /// the setup uses it, for a handful of lines.
    static func readLine(_ socket: Int32, from endpoint: Endpoint) throws(LoadGenError) -> [UInt8] {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.last != UInt8(ascii: "\n") {
            let count = read(socket, &byte, 1)
            if count == 0 { throw .closed(endpoint, after: line) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .noAnswer(endpoint, after: line) }
                throw .io(endpoint, reason: String(cString: strerror(errno)))
            }
            line.append(byte)
            if line.count > 1 << 16 { throw .lineTooLong(endpoint) }
        }
        return line
    }
}

/// Where connections go: `--host` and one of the `--port` list.
struct Endpoint: Sendable, CustomStringConvertible {
    let host: String
    let port: Int

    var description: String { "\(host):\(port)" }
}
