import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
/// glibc (2.26 on) declares `POSIX_SPAWN_SETSID` only under `_GNU_SOURCE`, which Swift's Glibc
/// module does not see; the value is part of glibc's ABI (`spawn.h`).
private let spawnNewSession: Int32 = 0x80
#else
private let spawnNewSession = Int32(POSIX_SPAWN_SETSID)
#endif

extension PortMapperDaemon {
    /// Starts a port mapper as a separate process that outlives the caller, as `erl` starts
    /// `epmd -daemon` when no mapper answers, then waits until it answers `NAMES_REQ`.
    ///
    /// The process is spawned with `posix_spawnp` and `POSIX_SPAWN_SETSID`: a session of its
    /// own, so neither the terminal's Ctrl+C nor its hangup reaches it, with stdin, stdout and
    /// stderr on `/dev/null`, no blocked signals, and default handling of the signals that end
    /// a daemon, and none of the caller's descriptors beyond those three. Foundation's `Process`
    /// is not used: its children stay in the caller's session and start with the calling
    /// thread's blocked signals (SIGTERM among them on a Swift concurrency thread), so a
    /// daemon started that way would ignore `kill`. Should the daemon die before the caller, it
    /// stays a zombie until the caller exits, which costs one process table entry.
    ///
    /// A mapper already answering on `port` makes the new process exit at once (the port is
    /// taken), and this call returns as soon as the old one answers.
    /// - Parameters:
    ///   - executable: the program, looked up in `PATH` unless it holds a `/`.
    ///   - arguments: the whole argument vector, `argv[0]` first, as `execv` takes it, e.g.
    ///     `[CommandLine.arguments[0], "epmd", "--port", "4369"]`.
    ///   - port: the port the new daemon will listen on, to poll until it answers.
    ///   - timeout: how long to wait for it to answer.
    /// - Returns: the daemon's process id.
    /// - Throws: ``PortMapperError/spawnFailed(executable:errno:)`` when the process cannot
    ///   start; ``PortMapperError/unreachable(host:port:)`` when nothing answers in time.
    @discardableResult
    public static func startDetached(
        executable: String,
        arguments: [String],
        port: Int,
        on group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: TimeAmount = .seconds(2)
    ) async throws -> pid_t {
        let pid = try spawnDetached(executable: executable, arguments: arguments)
        let deadline = NIODeadline.now() + timeout
        while NIODeadline.now() < deadline {
            if (try? await PortMapperClient.names(port: port, on: group, timeout: .milliseconds(500))) != nil {
                return pid
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw PortMapperError.unreachable(host: "127.0.0.1", port: port)
    }

    private static func spawnDetached(executable: String, arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGHUP, SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var flags = spawnNewSession | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        #if canImport(Darwin)
        flags |= POSIX_SPAWN_CLOEXEC_DEFAULT
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&files, 1, 2)
        #if canImport(Glibc)
        closeInheritedDescriptors(&files)
        #endif

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let status = posix_spawnp(&pid, executable, &files, &attributes, &argv, environ)
        guard status == 0 else { throw PortMapperError.spawnFailed(executable: executable, errno: status) }
        return pid
    }

    #if canImport(Glibc)
    /// Has the child close every descriptor above stderr. Not every descriptor of the caller is
    /// close-on-exec (SwiftNIO's sockets were seen leaking), and a listening socket the daemon
    /// inherited would keep its port bound for as long as the daemon lives.
    ///
    /// glibc 2.34 on closes them all at spawn time (`posix_spawn_file_actions_addclosefrom_np`,
    /// hidden from Swift behind `_GNU_SOURCE`, hence looked up by name); older ones get one
    /// close action per descriptor open now.
    private static func closeInheritedDescriptors(_ files: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&files, 3)
            return
        }
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            // glibc ignores a close action whose descriptor has been closed meanwhile.
            if let descriptor = Int32(name), descriptor > 2, descriptor != dirfd(directory) {
                posix_spawn_file_actions_addclose(&files, descriptor)
            }
        }
    }
    #endif
}
