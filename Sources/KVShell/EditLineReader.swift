import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "rl_catch_signals") {
            symbol.assumingMemoryBound(to: Int32.self).pointee = 0
        }
        rl_initialize()
        using_history()
        stifle_history(1000)
        if let historyFile { _ = read_history(historyFile) }
    }

    public mutating func readLine(prompt: String) async -> LineInput {
        _ = SignalInterrupts.takePending()
        guard let raw = readline(prompt) else {
            if SignalInterrupts.takePending() {
                print("")
                return .interrupted
            }
            print("")
            return .endOfInput
        }
        defer { free(raw) }
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
