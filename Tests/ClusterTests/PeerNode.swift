import Foundation
import Synchronization

/// The built `kvsh` binary and the repository it belongs to.
enum Build {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let kvsh = root.appendingPathComponent(".build/debug/kvsh")

    static var shortHostName: String {
        String(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "")
    }
}

/// A port mapper of the tests' own, `kvsh epmd` on a private port, so tests never touch the
/// machine's port 4369. Stopped when the test drops it.
final class PortMapperProcess {
    let port: Int
    private let process = Process()

    init() throws {
        port = try Self.freePort()
        process.executableURL = Build.kvsh
        process.arguments = ["epmd", "--port", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try waitUntilListening()
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }

    /// The environment a node of these tests runs with: this mapper, a home of its own.
    func environment(home: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["ERL_EPMD_PORT"] = String(port)
        environment["HOME"] = home.path
        environment["KVSH_HISTORY"] = "0"
        return environment
    }

    private func waitUntilListening() throws {
        for _ in 0..<200 {
            if Self.canConnect(port: port) { return }
            usleep(10_000)
        }
        throw PeerError.timedOut("port mapper on port \(port) did not start")
    }

    /// A port nobody listens on now (bound, read, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw PeerError.timedOut("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return withLoopback(port: port) { connect(fd, $0, $1) } == 0
    }
}

/// `body` with 127.0.0.1:`port` as the `sockaddr` that `connect` and `bind` take.
func withLoopback(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

enum PeerError: Error, CustomStringConvertible {
    case timedOut(String)

    var description: String {
        switch self {
        case .timedOut(let what): "timed out: \(what)"
        }
    }
}

/// A real kvsh node in a child process (`kvsh --sname NAME --echo`), driven through its piped
/// standard input and output as a user at a terminal would: one line, then wait for the prompt.
final class PeerNode {
    let name: String
    /// `name@host`.
    let fullName: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    /// What the node printed on stdout, read prompt by prompt, and what it logged on stderr.
    private let printed: PromptedOutput
    private let logged = SharedText()
    /// The node's own HOME (its cookie file and history), removed with the node.
    private let home: URL

    /// Starts the node and waits for its first prompt.
    init(_ name: String, mapper: PortMapperProcess, cookie: String = "kvshtestcookie", arguments: [String] = []) async throws {
        self.name = name
        fullName = "\(name)@\(Build.shortHostName)"
        printed = try PromptedOutput(node: fullName)
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        process.executableURL = Build.kvsh
        process.arguments = ["--sname", name, "--cookie", cookie, "--echo"] + arguments
        process.environment = mapper.environment(home: home)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let printed = self.printed.text, logged = self.logged
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            printed.append(data)
        }
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            logged.append(data)
        }
        try process.run()
        _ = try await waitForPrompt(lines: 0, timeout: 30)
    }

    deinit {
        if process.isRunning {
            resume()
            process.terminate()
            process.waitUntilExit()
        }
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        try? FileManager.default.removeItem(at: home)
    }

    /// Types `line` and returns what the node printed before its next prompt, the echo of the
    /// line left out. Waits until at least `lines` lines came, for output that arrives from
    /// other nodes a moment later.
    @discardableResult
    func enter(_ line: String, lines: Int = 0, timeout: Double = 30) async throws -> String {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
        let text = try await waitForPrompt(lines: lines + 1, timeout: timeout)
        var rest = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        rest.removeFirst()
        return rest.joined(separator: "\n")
    }

    /// What the node wrote to stderr (its log) so far.
    var log: String { logged.text.withLock { $0 } }

    /// Everything the node printed on stdout so far.
    var transcript: String { printed.transcript }

    /// Ends the node as `kill -9` would.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Freezes the node (SIGSTOP): its connections stay open but it ticks no more, as a
    /// machine that dropped off the network.
    func suspend() { Glibc.kill(process.processIdentifier, SIGSTOP) }

    func resume() { Glibc.kill(process.processIdentifier, SIGCONT) }


    private func waitForPrompt(lines: Int, timeout: Double) async throws -> String {
        guard let text = try await printed.nextPrompt(lines: lines, timeout: timeout) else {
            throw PeerError.timedOut("no prompt from \(fullName); it printed: \(transcript)\nand logged: \(log)")
        }
        return text
    }
}

/// A node's standard output read prompt by prompt: kvsh's and iex's prompts look alike
/// (`iex(foo@vm)1> `, `...(foo@vm)1> `).
final class PromptedOutput {
    let text = SharedText()
    /// Where the unread part of `text` starts, in UTF-8 bytes.
    private var consumed = 0
    private let promptPattern: Regex<Substring>

    init(node fullName: String) throws {
        promptPattern = try Regex(#"(?:iex|\.\.\.)\("# + NSRegularExpression.escapedPattern(for: fullName) + #"\)\d+> "#)
    }

    var transcript: String { text.text.withLock { $0 } }

    /// Waits until the unread output holds the next prompt and `lines` full lines; returns it
    /// without the prompt, and marks it read (nil after `timeout` seconds). Output of other
    /// processes may come after the prompt (a remote `IO.puts` racing the result): it counts as
    /// part of this step.
    func nextPrompt(lines: Int, timeout: Double) async throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let found: String? = text.text.withLock { text in
                let unread = text[text.utf8.index(text.startIndex, offsetBy: consumed)...]
                guard unread.contains(promptPattern) else { return nil }
                let body = String(unread).replacing(promptPattern, with: "")
                guard body.count(where: { $0 == "\n" }) >= lines else { return nil }
                consumed = text.utf8.count
                return body
            }
            if let found { return found.hasSuffix("\n") ? String(found.dropLast()) : found }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Marks the output read through the end of the line holding `needle`, if it came yet.
    func markRead(through needle: String) -> Bool {
        text.text.withLock { printed in
            guard let range = printed.range(of: needle) else { return false }
            let lineEnd = printed[range.upperBound...].firstIndex(of: "\n").map { printed.index(after: $0) } ?? range.upperBound
            consumed = max(consumed, printed.utf8.distance(from: printed.startIndex, to: lineEnd))
            return true
        }
    }
}

final class SharedText: Sendable {
    let text = Mutex("")

    func append(_ data: Data) {
        text.withLock { $0 += String(decoding: data, as: UTF8.self) }
    }
}

extension Process {
    /// Waits for the process to end without blocking a thread of the test's concurrency pool
    /// (blocking them starves every other test running at the same time).
    func exit() async throws -> Int32 {
        while isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return terminationStatus
    }
}

extension Pipe {
    /// Collects what is written into the pipe, from its reader thread.
    func collect() -> SharedText {
        let text = SharedText()
        fileHandleForReading.readabilityHandler = { handle in text.append(handle.availableData) }
        return text
    }
}

/// `erl` and `elixir` child processes on the tests' port mapper, their stdout collected.
enum BEAMProcess {
    static func launch(_ executable: String, _ arguments: [String], mapper: PortMapperProcess) throws -> (Process, SharedText) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = mapper.environment(home: FileManager.default.temporaryDirectory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let text = output.collect()
        try process.run()
        return (process, text)
    }

    /// Waits until a started node printed `text`.
    static func waitForOutput(_ started: (Process, SharedText), _ text: String) async throws {
        let deadline = Date().addingTimeInterval(30)
        while !started.1.text.withLock({ $0.contains(text) }) {
            guard Date() < deadline, started.0.isRunning else {
                let name = started.0.executableURL?.lastPathComponent ?? "the node"
                throw PeerError.timedOut("\(name) never printed \(text); it printed: \(started.1.text.withLock { $0 })")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
