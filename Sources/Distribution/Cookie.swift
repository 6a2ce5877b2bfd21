#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

/// The magic cookie two nodes must share to connect, found the way `erl` (OTP 25) finds it.
public enum Cookie {
    /// The cookie for this node.
    ///
    /// `--cookie` wins. Otherwise, as `erl` does: `~/.erlang.cookie`, then
    /// `$XDG_CONFIG_HOME/erlang/.erlang.cookie`; when neither exists, a new `~/.erlang.cookie`
    /// holding 20 random capital letters, mode 0400. A file must be a regular file that group and
    /// others cannot access (else `erl` refuses to start, and so does kvsh). Trailing CR and LF are
    /// dropped; the rest must be printable ASCII (space included, and kept: `erl` keeps it).
    /// - Parameters:
    ///   - explicit: the `--cookie` option, used as given.
    ///   - home: the user's home directory (`$HOME`).
    ///   - configHome: `$XDG_CONFIG_HOME`; nil reads it from the environment, and an unset or empty
    ///     one means `home/.config`.
    /// - Throws: `CookieError`, whose description is `erl`'s message for the same problem.
    public static func load(explicit: String?, home: String, configHome: String? = nil) throws(CookieError) -> String {
        if let explicit { return explicit }
        let homeFile = home + "/.erlang.cookie"
        let configFile = resolvedConfigHome(configHome, home: home) + "/erlang/.erlang.cookie"
        for path in [homeFile, configFile] {
            if let cookie = try readFile(path) { return cookie }
        }
        let cookie = generate()
        guard try create(homeFile, cookie: cookie) else {
            // Another process created it since we looked: use theirs, as both nodes then agree.
            return try readFile(homeFile) ?? cookie
        }
        return cookie
    }

    /// The handshake digest: MD5 of the cookie followed by the challenge in decimal, the challenge
    /// read as an unsigned 32-bit integer (`erlang:md5(Cookie ++ integer_to_list(Challenge))`).
    public static func digest(cookie: String, challenge: UInt32) -> [UInt8] {
        Array(Insecure.MD5.hash(data: Array(cookie.utf8) + Array(String(challenge).utf8)))
    }

    /// 20 capital letters, as `erl` writes into a new cookie file.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let letters = (0..<20).map { _ in UInt8(ascii: "A") + UInt8.random(in: 0..<26, using: &generator) }
        return String(decoding: letters, as: UTF8.self)
    }

    private static func resolvedConfigHome(_ configHome: String?, home: String) -> String {
        let value = configHome ?? getenv("XDG_CONFIG_HOME").map { String(cString: $0) }
        guard let value, !value.isEmpty else { return home + "/.config" }
        return value
    }

    // MARK: - Files

    /// The cookie in `path`, or nil when there is no such file.
    static func readFile(_ path: String) throws(CookieError) -> String? {
        // O_NONBLOCK: a FIFO in the cookie's place must not hang the shell before the type check.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let error = errno
            if error == ENOENT || error == ENOTDIR { return nil }
            throw .unreadable(path: path, errno: error)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, errno: errno) }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else { throw .notRegularFile(path: path, type: typeName(type)) }
        guard info.st_mode & 0o077 == 0 else { throw .notOwnerOnly(path: path, mode: UInt32(info.st_mode & 0o7777)) }

        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path: path, errno: errno) }
            if count == 0 { break }
            contents += chunk[..<count]
        }
        return try parse(contents, path: path)
    }

    /// `erl`'s rules: trailing CR and LF go, the rest is printable ASCII and not empty.
    static func parse(_ contents: [UInt8], path: String) throws(CookieError) -> String {
        var end = contents.endIndex
        while end > 0, contents[end - 1] == UInt8(ascii: "\n") || contents[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let cookie = contents[..<end]
        guard !cookie.isEmpty else { throw .tooShort(path: path) }
        guard cookie.allSatisfy({ (0x20...0x7E).contains($0) }) else { throw .badCharacters(path: path) }
        return String(decoding: cookie, as: UTF8.self)
    }

    /// Writes a new cookie file, mode 0400 whatever the umask.
    /// - Returns: false when the file already exists.
    private static func create(_ path: String, cookie: String) throws(CookieError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o400)
        guard fd >= 0 else {
            let error = errno
            if error == EEXIST { return false }
            throw .cannotCreate(path: path, errno: error)
        }
        defer { close(fd) }
        let bytes = Array(cookie.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fchmod(fd, 0o400) == 0 else {
            let error = errno
            unlink(path)
            throw .cannotCreate(path: path, errno: error)
        }
        return true
    }

    /// The names `erl` gives file types in its message.
    private static func typeName(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: "directory"
        case S_IFCHR, S_IFBLK: "device"
        default: "other"
        }
    }
}

/// Why the cookie could not be found or made. Each description is `erl`'s message for the same
/// problem, so a user who knows one recognizes the other.
public enum CookieError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Group or others may access the file. `erl` refuses these: a cookie others can read lets
    /// them connect to every node of the user.
    case notOwnerOnly(path: String, mode: UInt32)
    /// A directory, device or FIFO where the cookie file should be.
    case notRegularFile(path: String, type: String)
    /// The file exists but could not be opened or read (`errno`).
    case unreadable(path: String, errno: Int32)
    /// No cookie file existed and a new one could not be written, typically because the home
    /// directory is missing or read-only.
    case cannotCreate(path: String, errno: Int32)
    /// The file holds nothing but line ends.
    case tooShort(path: String)
    /// The file holds something other than printable ASCII before its line end (a tab, a second
    /// line, UTF-8).
    case badCharacters(path: String)

    public var description: String {
        switch self {
        case let .notOwnerOnly(path, _): "Cookie file \(path) must be accessible by owner only"
        case let .notRegularFile(path, type): "Cookie file \(path) is of type \(type)"
        case let .unreadable(path, error): "Error when reading cookie file '\(path)': \(Self.message(error))"
        case let .cannotCreate(path, error): "Failed to create cookie file '\(path)': \(Self.message(error))"
        case let .tooShort(path): "Too short cookie string in \(path)"
        case let .badCharacters(path): "Bad characters in cookie file \(path)"
        }
    }

    private static func message(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
