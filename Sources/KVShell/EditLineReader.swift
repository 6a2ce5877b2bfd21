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
        // libedit restores the terminal on SIGINT, passes the signal on to kvsh's handler
        // (`SignalInterrupts`) and makes `readline` return NULL: that is how Ctrl-C cancels a line.
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
