import Foundation

/// A real `iex --sname NAME` (Elixir 1.14 on OTP 25) in a child process, driven as PeerNode
/// drives kvsh: a line on its piped standard input, then wait for the next prompt. iex does not
/// echo what it reads from a pipe, so what comes between two prompts is the line's output,
/// exactly as iex prints it at a terminal.
final class IExNode {
    /// `name@host`.
    let fullName: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let printed: PromptedOutput

    static let path = ElixirNode.path.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("iex").path }

    /// Starts the node with `codePath` on its code path (`-pa`) and `environment` added to the
    /// mapper's, and waits for its first prompt.
    init(_ name: String, mapper: PortMapperProcess, cookie: String, codePath: URL, environment: [String: String] = [:]) async throws {
        fullName = "\(name)@\(Build.shortHostName)"
        printed = try PromptedOutput(node: fullName)
        process.executableURL = URL(fileURLWithPath: Self.path ?? "iex")
        process.arguments = ["--sname", name, "--cookie", cookie, "-pa", codePath.path]
        process.environment = mapper.environment(home: FileManager.default.temporaryDirectory)
            .merging(environment) { _, added in added }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let printed = self.printed.text
        output.fileHandleForReading.readabilityHandler = { handle in printed.append(handle.availableData) }
        try process.run()
        _ = try await waitForPrompt(lines: 0, timeout: 30)
    }

    /// iex halts when its input ends; a node that does not is killed after a moment.
    deinit {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        output.fileHandleForReading.readabilityHandler = nil
    }

    /// Types `line` and returns what iex printed before its next prompt. Waits until at least
    /// `lines` lines came, for output that arrives from other nodes a moment later.
    @discardableResult
    func enter(_ line: String, lines: Int = 1, timeout: Double = 30) async throws -> String {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
        return try await waitForPrompt(lines: lines, timeout: timeout)
    }

    /// Waits until iex printed `text` anywhere, such as a line of a process of its own that
    /// came after the prompt, and marks the output through its line read.
    func waitForOutput(_ text: String, timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let found = printed.markRead(through: text)
            if found { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw PeerError.timedOut("\(fullName) never printed \(text); it printed: \(transcript)")
    }

    /// Everything the node printed so far.
    var transcript: String { printed.transcript }

    private func waitForPrompt(lines: Int, timeout: Double) async throws -> String {
        guard let text = try await printed.nextPrompt(lines: lines, timeout: timeout) else {
            throw PeerError.timedOut("no prompt from \(fullName); it printed: \(transcript)")
        }
        return text
    }
}
