import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Synchronization

/// Set by `readCharacter` when a Ctrl-C ended the line being typed.
private let lineCancelled = Atomic<Bool>(false)

/// libedit's character source: one byte from stdin. A Ctrl-C ends the line as end-of-file and
/// marks it cancelled. SIGINT may land on any thread, so it cannot be relied on to interrupt
/// this `read`: the wait polls stdin and looks at `SignalInterrupts` every 50 ms instead.
private func readCharacter(_ file: UnsafeMutablePointer<FILE>?) -> Int32 {
    var byte: UInt8 = 0
    while true {
        if SignalInterrupts.takePending() {
            lineCancelled.store(true, ordering: .relaxed)
            return EOF
        }
        var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 50)
        if ready == 0 || (ready < 0 && errno == EINTR) { continue }
        let count = read(0, &byte, 1)
        // A terminal mode without ISIG delivers Ctrl-C as the character itself.
        if count == 1 && byte == 0x03 {
            lineCancelled.store(true, ordering: .relaxed)
            return EOF
        }
        if count == 1 { return Int32(byte) }
        if count < 0 && errno == EINTR { continue }
        return EOF
    }
}

/// Reads lines on a terminal with libedit: line editing, and history kept in a file across
/// sessions. A multi-line expression is stored as one history entry.
///
/// libedit's readline emulation keeps global state, so one instance per process.
public struct EditLineReader: LineReader {
    /// Where history is loaded from and saved to; `nil` keeps no history.
    public let historyFile: String?

    /// The history file kvsh uses by default: `~/.kvsh_history`.
    public static var defaultHistoryFile: String? {
        guard let home = getenv("HOME") else { return nil }
        return String(cString: home) + "/.kvsh_history"
    }

    /// - Parameter historyFile: the history file, or `nil` for no history.
    public init(historyFile: String?) {
        self.historyFile = historyFile
        // libedit must not handle signals itself (it would swallow Ctrl-C and keep reading):
        // with kvsh's handler (`SignalInterrupts`, no SA_RESTART) the read fails with EINTR and
        // `readline` returns NULL, which is how Ctrl-C cancels a line. The variable is set
        // through `dlsym` because Swift 6 refuses to write an imported global directly; this
        // runs before any other libedit call, on the only thread that uses libedit.
        let library = dlopen(nil, RTLD_NOW)
        if let symbol = dlsym(library, "rl_catch_signals") {
            symbol.assumingMemoryBound(to: Int32.self).pointee = 0
        }
        // kvsh reads the characters itself (`readCharacter`), so that a Ctrl-C ends the line.
        if let symbol = dlsym(library, "rl_getc_function") {
            typealias GetC = @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32
            symbol.assumingMemoryBound(to: GetC?.self).pointee = readCharacter
        }
        rl_initialize()
        using_history()
        stifle_history(1000)
        if let historyFile { _ = read_history(historyFile) }
    }

    public mutating func readLine(prompt: String) async -> LineInput {
        _ = SignalInterrupts.takePending()
        lineCancelled.store(false, ordering: .relaxed)
        let raw = readline(prompt)
        defer { free(raw) }
        if lineCancelled.exchange(false, ordering: .relaxed) {
            print("")
            return .interrupted
        }
        guard let raw else {
            print("")
            return .endOfInput
        }
        let length = strlen(raw)
        let bytes = raw.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
        return .line(bytes)
    }

    public mutating func recordHistory(_ entry: String) {
        guard historyFile != nil, !entry.allSatisfy(\.isWhitespace) else { return }
        _ = add_history(entry)
        if let historyFile { _ = write_history(historyFile) }
    }
}
