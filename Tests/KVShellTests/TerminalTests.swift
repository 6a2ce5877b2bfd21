#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import KVShell

/// The built `kvsh` on a real pseudo-terminal: libedit, the terminal modes it switches between
/// lines, and input that arrives faster than a person types.
@Suite struct TerminalTests {
    @Test func pastedLinesAreAllEvaluated() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        terminal.send("1 + 1\n2 + 2\n3 + 3\ndefmodule Pasted do\n  def two, do: 2\nend\nPasted.two() * 21\n")
        let text = try await terminal.waitFor("iex(6)> ")
        #expect(text.contains("\n2\niex(2)> "))
        #expect(text.contains("\n4\niex(3)> "))
        #expect(text.contains("\n6\niex(4)> "))
        #expect(text.contains("...(4)> end\n{:module, Pasted, "))
        #expect(text.contains("\n42\niex(6)> "))
    }

    @Test func aLongPasteLosesNothing() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        let count = 150
        terminal.send((1...count).map { "\"r\" <> \"\($0)x\"\r" }.joined())
        let text = try await terminal.waitFor("iex(\(count + 1))> ")
        for index in 1...count {
            #expect(text.contains("\"r\(index)x\"\n"), "result \(index) is missing")
        }
    }

    @Test func keysTypedDuringAnEvaluationAreKept() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        terminal.send(":timer.sleep(500)\r")
        try await terminal.waitFor(":timer.sleep(500)\n")
        terminal.send("6 *")
        terminal.send(" 7\r8 * 8\r")
        let text = try await terminal.waitFor("iex(4)> ")
        #expect(text.contains("\n:ok\n"))
        #expect(text.contains("\n42\n"))
        #expect(text.contains("\n64\n"))
    }

    @Test func ctrlCCancelsTheLineBeingTyped() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        terminal.send("1 +")
        try await terminal.waitFor("iex(1)> 1 +")
        terminal.send("\u{03}")
        try await terminal.waitFor("iex(1)> 1 +\niex(1)> ")
        terminal.send("5 * 5\r")
        let text = try await terminal.waitFor("iex(2)> ")
        #expect(text.hasSuffix("iex(1)> 1 +\niex(1)> 5 * 5\n25\niex(2)> "))
    }

    @Test func ctrlCDropsTheUnfinishedExpression() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        terminal.send("[1,\r")
        try await terminal.waitFor("...(1)> ")
        terminal.send("\u{03}")
        try await terminal.waitFor("...(1)> \niex(1)> ")
        terminal.send("3\r")
        let text = try await terminal.waitFor("iex(2)> ")
        #expect(text.hasSuffix("iex(1)> 3\n3\niex(2)> "))
    }

    @Test func nonASCIICharactersAndTabsArrive() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        terminal.send("\"héllo ✓\" |> String.length()\r\"a\tb\" |> String.length()\r")
        let text = try await terminal.waitFor("iex(3)> ")
        #expect(text.contains("\n7\niex(2)> "))
        #expect(text.contains("\n3\niex(3)> "))
    }

    @Test func ctrlDOnAnEmptyLineExitsZero() async throws {
        let terminal = try PseudoTerminalSession()
        defer { terminal.close() }
        try await terminal.waitFor("iex(1)> ")
        terminal.send("\u{04}")
        let status = try await terminal.waitForExit()
        #expect(status == .exited(0))
    }
}

/// Decoding what the terminal sends, fed byte by byte and in batches.
@Suite struct TerminalInputBufferTests {
    /// Every character `buffer` gives for `bytes`, appended `chunk` bytes at a time.
    static func characters(_ bytes: [UInt8], chunk: Int) -> [UInt32] {
        var buffer = TerminalInputBuffer()
        var result: [UInt32] = []
        var index = 0
        while index < bytes.count {
            buffer.append(contentsOf: bytes[index..<min(index + chunk, bytes.count)])
            index += chunk
            while case .character(let scalar) = buffer.next() { result.append(scalar) }
        }
        while case .character(let scalar) = buffer.next(final: true) { result.append(scalar) }
        return result
    }

    @Test(arguments: [1, 2, 3, 1000])
    func utf8IsDecodedWhateverTheChunks(chunk: Int) {
        let text = "a é ✓ 🎉\n\t"
        #expect(Self.characters(Array(text.utf8), chunk: chunk) == text.unicodeScalars.map(\.value))
    }

    @Test func anUnfinishedSequenceWaitsForItsRest() {
        var buffer = TerminalInputBuffer()
        buffer.append(contentsOf: [0xE2, 0x9C])
        #expect(buffer.next() == .needMore)
        buffer.append(contentsOf: [0x93])
        #expect(buffer.next() == .character(0x2713))
        #expect(buffer.isEmpty)
    }

    @Test func badBytesBecomeReplacementsAndLoseNothingAfterThem() {
        // A lone continuation byte, a lead byte followed by ASCII, an overlong form, a surrogate.
        let bytes: [UInt8] = [0x80, 0x41, 0xC3, 0x42, 0xE0, 0x80, 0x43, 0xED, 0xA0, 0x80, 0x44]
        let replacement = TerminalInputBuffer.replacement
        let expected: [UInt32] = [
            replacement, 0x41, replacement, 0x42, replacement, replacement, 0x43,
            replacement, replacement, replacement, 0x44,
        ]
        for chunk in [1, 4, 100] {
            #expect(Self.characters(bytes, chunk: chunk) == expected, "chunk \(chunk)")
        }
    }

    @Test func anUnfinishedSequenceAtTheEndBecomesReplacements() {
        var buffer = TerminalInputBuffer()
        buffer.append(contentsOf: [0xF0, 0x9F])
        #expect(buffer.next() == .needMore)
        #expect(buffer.next(final: true) == .character(TerminalInputBuffer.replacement))
        #expect(buffer.next(final: true) == .character(TerminalInputBuffer.replacement))
        #expect(buffer.next(final: true) == .needMore)
    }

    @Test func removeAllDropsTypeAhead() {
        var buffer = TerminalInputBuffer()
        buffer.append(contentsOf: Array("abc".utf8))
        #expect(buffer.next() == .character(0x61))
        buffer.removeAll()
        #expect(buffer.isEmpty)
        #expect(buffer.next() == .needMore)
    }
}

// MARK: - A pseudo-terminal session

/// `kvsh` started in its own session with the slave side of a fresh pseudo-terminal as its
/// controlling terminal and stdin/stdout/stderr; the test plays the terminal on the master side.
final class PseudoTerminalSession {
    enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case timedOut(waitingFor: String, received: String)
        case exitedEarly(waitingFor: String, received: String)

        var description: String {
            switch self {
            case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
            case .timedOut(let expected, let received): "no \(expected.debugDescription) in \(received.debugDescription)"
            case .exitedEarly(let expected, let received):
                "kvsh exited before \(expected.debugDescription) in \(received.debugDescription)"
            }
        }
    }

    enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Generous: the machine may be busy; no test depends on anything being fast.
    static let deadline: Duration = .seconds(60)

    private let master: Int32
    private let pid: pid_t
    private var received: [UInt8] = []
    private var termination: Termination?

    init() throws {
        let functions = try PseudoTerminalFunctions()
        master = functions.open(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw Failure.system("posix_openpt", errno) }
        var name = [CChar](repeating: 0, count: 128)
        guard functions.grant(master) == 0, functions.unlock(master) == 0,
            functions.name(master, &name, name.count) == 0
        else {
            let code = errno
            closeDescriptor(master)
            throw Failure.system("grantpt/unlockpt/ptsname_r", code)
        }
        let slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session: the first terminal it opens (the slave, below) becomes its controlling
        // terminal, so Ctrl-C raises SIGINT in kvsh and nowhere else.
        posix_spawnattr_setflags(&attributes, Self.spawnNewSession)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        let binary = KvshBinaryTests.binary.path
        var environment = ProcessInfo.processInfo.environment
        environment["KVSH_HISTORY"] = "0"
        environment["TERM"] = "xterm"
        let arguments = Self.cStrings([binary, "--no-history"])
        let variables = Self.cStrings(environment.map { "\($0.key)=\($0.value)" })
        defer { (arguments + variables).forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, binary, &actions, &attributes, arguments, variables)
        guard status == 0 else {
            closeDescriptor(master)
            throw Failure.system("posix_spawn \(binary)", status)
        }
        pid = child
    }

    #if os(Linux)
    /// glibc's `POSIX_SPAWN_SETSID`, which the Glibc module does not export (it is a GNU extension).
    static let spawnNewSession = Int16(0x80)
    #else
    static let spawnNewSession = Int16(POSIX_SPAWN_SETSID)
    #endif

    /// NUL-terminated copies for `posix_spawn`, with the closing `nil`; the caller frees them.
    private static func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
        strings.map { string -> UnsafeMutablePointer<CChar>? in strdup(string) } + [nil]
    }

    /// What the terminal showed so far, without escape sequences, carriage returns and bells.
    var text: String { Self.plain(received) }

    /// Types `keys`, all in one `write` as a paste does.
    func send(_ keys: String) {
        var bytes = Array(keys.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN {
                    drain()
                    continue
                }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Reads until `expected` has shown, returning all the text so far.
    @discardableResult
    func waitFor(_ expected: String) async throws -> String {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: Self.deadline)
        while true {
            drain()
            let current = text
            if current.contains(expected) { return current }
            if reap() != nil {
                drain()
                if text.contains(expected) { return text }
                throw Failure.exitedEarly(waitingFor: expected, received: text)
            }
            if clock.now >= end { throw Failure.timedOut(waitingFor: expected, received: current) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for kvsh to end, reading what it prints meanwhile.
    func waitForExit() async throws -> Termination {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: Self.deadline)
        while true {
            drain()
            if let termination = reap() { return termination }
            if clock.now >= end { throw Failure.timedOut(waitingFor: "exit", received: text) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Kills kvsh if it still runs and closes the terminal.
    func close() {
        if reap() == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        closeDescriptor(master)
    }

    private func drain() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(master, &chunk, chunk.count)
            if count > 0 {
                received.append(contentsOf: chunk[..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                // EAGAIN: nothing more for now; EIO: the slave side is closed (kvsh ended).
                return
            }
        }
    }

    /// How kvsh ended, once it has.
    private func reap() -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let signal = status & 0x7F
        termination = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        return termination
    }

    /// `bytes` as text without ANSI escape sequences, carriage returns and bells.
    static func plain(_ bytes: [UInt8]) -> String {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x1B {
                index += 1
                if index < bytes.count && bytes[index] == UInt8(ascii: "[") {
                    index += 1
                    while index < bytes.count && !(0x40...0x7E).contains(bytes[index]) { index += 1 }
                }
                index += 1
                continue
            }
            if byte != UInt8(ascii: "\r") && byte != 0x07 { result.append(byte) }
            index += 1
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// `close(2)`; a free function so the name is not shadowed by `PseudoTerminalSession.close`.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// The C library's pseudo-terminal calls. The Glibc module leaves them out (they sit behind
/// X/Open feature macros), so they are looked up by name; every libc has them.
private struct PseudoTerminalFunctions {
    typealias Open = @convention(c) (Int32) -> Int32
    typealias Control = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32

    let open: Open
    let grant: Control
    let unlock: Control
    let name: Name

    init() throws {
        let library = dlopen(nil, RTLD_NOW)
        func lookUp<Function>(_ symbol: String, as type: Function.Type) throws -> Function {
            guard let address = dlsym(library, symbol) else {
                throw PseudoTerminalSession.Failure.system("dlsym \(symbol)", ENOSYS)
            }
            return unsafeBitCast(address, to: type)
        }
        open = try lookUp("posix_openpt", as: Open.self)
        grant = try lookUp("grantpt", as: Control.self)
        unlock = try lookUp("unlockpt", as: Control.self)
        name = try lookUp("ptsname_r", as: Name.self)
    }
}
