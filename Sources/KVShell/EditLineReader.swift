import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Synchronization

/// Set by `readCharacter` when a Ctrl-C ended the line being typed.
private let lineCancelled = Atomic<Bool>(false)

/// Characters read from the terminal and not yet given to libedit. The lock guards the buffer
/// for the compiler's sake: only the thread inside `readline` touches it, one line at a time.
private let typeAhead = Mutex(TerminalInputBuffer())

/// How many bytes one `read(2)` takes from the terminal.
private let readChunkSize = 4096

/// libedit's character source: one character (a Unicode scalar value, see
/// `TerminalInputBuffer`) per call. A Ctrl-C ends the line as end-of-file and marks it
/// cancelled. SIGINT may land on any thread, so it cannot be relied on to interrupt this
/// `read`: the wait polls stdin and looks at `SignalInterrupts` every 50 ms instead.
///
/// Each `read` takes everything the terminal has (a paste, or keys typed while an expression
/// ran) into `typeAhead`, and what the line does not use waits there for the next one. So the
/// kernel's queue is empty whenever libedit changes the terminal mode at the end of a line,
/// and a libedit that restores the terminal with `TCSAFLUSH` (older releases, macOS's) has
/// nothing left to discard.
private func readCharacter(_ file: UnsafeMutablePointer<FILE>?) -> Int32 {
    // Polls without a byte while an unfinished multi-byte sequence waits for its rest.
    var idlePolls = 0
    while true {
        if SignalInterrupts.takePending() { return cancelLine() }
        if case .character(let scalar) = typeAhead.withLock({ $0.next(final: idlePolls >= 2) }) {
            // A terminal mode without ISIG delivers Ctrl-C as the character itself.
            if scalar == 0x03 { return cancelLine() }
            return Int32(bitPattern: scalar)
        }
        guard let count = fillTypeAhead(waitingAtMost: 50) else {
            idlePolls += 1
            continue
        }
        if count > 0 {
            idlePolls = 0
            continue
        }
        if count < 0 && errno == EINTR { continue }
        // End of input: an unfinished sequence still counts, as U+FFFD.
        if case .character(let scalar) = typeAhead.withLock({ $0.next(final: true) }) {
            return Int32(bitPattern: scalar)
        }
        return EOF
    }
}

/// Waits up to `milliseconds` for the terminal and moves what it has into `typeAhead`.
///
/// - Returns: `nil` when nothing came (or a signal interrupted the wait), else what `read(2)`
///   returned: the number of bytes moved, 0 at the end of input, -1 on an error.
private func fillTypeAhead(waitingAtMost milliseconds: Int32) -> Int? {
    var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
    let ready = poll(&descriptor, 1, milliseconds)
    if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: readChunkSize) { chunk in
        let count = read(0, chunk.baseAddress, readChunkSize)
        if count > 0 {
            typeAhead.withLock { $0.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[..<count])) }
        }
        return count
    }
}

/// Ends the line being typed as cancelled. Like the terminal driver, which empties its input
/// queue on Ctrl-C, it drops what was typed ahead.
private func cancelLine() -> Int32 {
    typeAhead.withLock { $0.removeAll() }
    lineCancelled.store(true, ordering: .relaxed)
    return EOF
}

/// libedit encodes the characters it gets back to UTF-8 only when `LC_CTYPE` says UTF-8 at
/// `rl_initialize`; kvsh, like iex, reads UTF-8 whatever the environment's locale says.
private func useUTF8CharacterType() {
    func isUTF8() -> Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        return String(cString: codeset) == "UTF-8"
    }
    if setlocale(LC_CTYPE, "") != nil && isUTF8() { return }
    for name in ["C.UTF-8", "C.utf8", "UTF-8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil {
        if isUTF8() { return }
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
        useUTF8CharacterType()
        rl_initialize()
        // Tab inserts itself: pasted code keeps its indentation. (readline's default binding
        // completes file names, which an Elixir prompt has no use for.)
        _ = rl_bind_key(0x09, rl_insert)
        using_history()
        stifle_history(1000)
        if let historyFile { _ = read_history(historyFile) }
    }

    public mutating func readLine(prompt: String) async -> LineInput {
        _ = SignalInterrupts.takePending()
        lineCancelled.store(false, ordering: .relaxed)
        // Keys typed while the last expression ran wait in the terminal's queue. Taken now,
        // libedit finds the queue empty and edits in its own mode; left there, it would stay
        // in the terminal's line mode for this line, where the kernel, not libedit, echoes
        // and edits what is typed.
        while let count = fillTypeAhead(waitingAtMost: 0), count > 0 {}
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
