import Foundation
import Testing

/// Every walkthrough under `examples/` is a transcript of a terminal session; each is replayed
/// against the built `kvsh` (its input lines piped in with `--echo`), and the output must read the
/// same, up to pid and reference numbers and the host name.
@Suite struct ExampleTranscriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var examples: [String] {
        let folder = root.appendingPathComponent("examples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test(arguments: examples)
    func transcriptReplays(_ name: String) throws {
        let transcript = try String(contentsOf: Self.root.appendingPathComponent("examples").appendingPathComponent(name), encoding: .utf8)
        let prompt = try Regex(#"^(iex|\.\.\.)\([^)]*\)\d+> "#)
        let inputs = transcript.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            guard let match = line.firstMatch(of: prompt) else { return nil }
            return String(line[match.range.upperBound...])
        }
        let output = try runKvsh(arguments: ["--sname", "foo", "--echo"], input: inputs.joined(separator: "\n") + "\n")
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("kvsh 0.1.0 (Swift)") == true)
        lines.removeFirst()
        if let last = lines.last, last.firstMatch(of: prompt) != nil { lines.removeLast() }
        let expected = transcript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(normalize(lines.joined(separator: "\n")) == normalize(expected.joined(separator: "\n")).trimmingTrailingNewlines)
    }

    private func normalize(_ text: String) -> String {
        var result = text.replacing(try! Regex(#"#PID<\d+\.\d+\.\d+>"#), with: "#PID<>")
        result = result.replacing(try! Regex(#"#Reference<[\d.]+>"#), with: "#Reference<>")
        return result.replacing("@\(shortHostName())", with: "@vm")
    }

    private func shortHostName() -> String {
        String(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "")
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// Runs the built `kvsh` with `input` on its standard input; returns its standard output.
func runKvsh(arguments: [String], input: String) throws -> String {
    let binary = ExampleTranscriptTests.root.appendingPathComponent(".build/debug/kvsh")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
}
