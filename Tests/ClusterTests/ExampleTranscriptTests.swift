import Foundation
import Testing

/// Every walkthrough under `examples/` is a transcript of one or more terminals (`iex(foo@vm)1>`
/// and `iex(bar@vm)1>` prompts interleaved in the order they were typed). Each is replayed
/// against real kvsh nodes, one child process per node named in its prompts, with a port mapper
/// of its own: each input line goes to its node, and what that node prints must read the same,
/// up to pid and reference numbers and the host name (`@vm` in a transcript is this machine's
/// short host name, in what is typed as in what is printed).
///
/// A transcript may start with `# routing table: TABLE` (the guide's Elixir term): every node
/// then starts with `--routing-table` pointing at a file holding it.
@Suite(.serialized) struct ExampleTranscriptTests {
    static var examples: [String] {
        let folder = Build.root.appendingPathComponent("examples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test(arguments: examples)
    func transcriptReplays(_ name: String) async throws {
        let text = try String(contentsOf: Build.root.appendingPathComponent("examples/\(name)"), encoding: .utf8)
        let steps = try Transcript.steps(of: text)
        let mapper = try PortMapperProcess()
        var arguments: [String] = []
        let tableFile = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-table-\(UUID().uuidString).exs")
        defer { try? FileManager.default.removeItem(at: tableFile) }
        if let table = Transcript.routingTable(of: text) {
            try Transcript.typed(table).write(to: tableFile, atomically: true, encoding: .utf8)
            arguments = ["--routing-table", tableFile.path]
        }
        var nodes: [String: PeerNode] = [:]
        for step in steps where nodes[step.node] == nil {
            nodes[step.node] = try await PeerNode(step.node, mapper: mapper, arguments: arguments)
        }
        for step in steps {
            // A person types at human pace: messages in flight (a `:pong` on its way back) land
            // before the next line, as they do at a terminal.
            try await Task.sleep(for: .milliseconds(150))
            let node = try #require(nodes[step.node])
            let printed = Transcript.normalize(try await node.enter(Transcript.typed(step.input), lines: step.expected.count))
            let expected = Transcript.normalize(step.expected.joined(separator: "\n"))
            // Output of processes (a remote `IO.puts`) may come just before or after the result.
            let sameLines = printed.split(separator: "\n").sorted() == expected.split(separator: "\n").sorted()
            #expect(printed == expected || sameLines, "\(name): after \(step.prompt)\(step.input)")
        }
    }
}

/// A transcript as steps: one input line, the node it was typed at, and what followed it.
enum Transcript {
    struct Step {
        let node: String
        let prompt: String
        let input: String
        var expected: [String]
    }

    static func steps(of text: String) throws -> [Step] {
        let prompt = try Regex<(Substring, Substring, Substring)>(#"^(?:iex|\.\.\.)\(([A-Za-z0-9_-]+)@([A-Za-z0-9_.-]+)\)\d+> "#)
        var steps: [Step] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let match = line.firstMatch(of: prompt) {
                steps.append(Step(
                    node: String(match.output.1), prompt: String(line[..<match.range.upperBound]),
                    input: String(line[match.range.upperBound...]), expected: []))
            } else if !steps.isEmpty {
                steps[steps.count - 1].expected.append(String(line))
            }
        }
        if var last = steps.popLast() {
            while last.expected.last == "" { last.expected.removeLast() }
            steps.append(last)
        }
        return steps
    }

    /// The `# routing table: ...` line, when the transcript has one.
    static func routingTable(of text: String) -> String? {
        let directive = "# routing table: "
        return text.split(separator: "\n").first { $0.hasPrefix(directive) }.map { String($0.dropFirst(directive.count)) }
    }

    /// What to type for a line of the transcript: its node names on this machine's host.
    static func typed(_ line: String) -> String {
        line.replacing("@vm\"", with: "@\(Build.shortHostName)\"")
    }

    static func normalize(_ text: String) -> String {
        var result = text.replacing(try! Regex(#"#PID<\d+\.\d+\.\d+>"#), with: "#PID<>")
        result = result.replacing(try! Regex(#"#Reference<[\d.]+>"#), with: "#Reference<>")
        return result.replacing("@\(Build.shortHostName)", with: "@vm")
    }
}
