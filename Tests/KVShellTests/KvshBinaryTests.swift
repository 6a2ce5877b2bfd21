import Foundation
import Testing

/// Runs the built `kvsh` binary, as a user would.
@Suite struct KvshBinaryTests {
    /// `kvsh` sits beside the test bundle in the build directory (`.build/debug/`).
    static var binary: URL {
        let bundleDirectory = Bundle.main.bundleURL
        let candidates = [
            bundleDirectory.appendingPathComponent("kvsh"),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("kvsh"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/kvsh"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs kvsh with `arguments`, `input` piped to its stdin.
    static func run(_ arguments: [String], input: Data = Data(), environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment["KVSH_HISTORY"] = "0"
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write from another thread: a large input must not block against a full stdout pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = Locked<Data>(Data())
        let errorReader = Thread { errorData.value = stderr.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errorReader.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    @Test func helpListsTheOptions() throws {
        let result = try Self.run(["--help"])
        #expect(result.status == 0)
        for option in ["--sname", "--name", "--cookie", "--echo", "--no-history", "--no-color"] {
            #expect(result.stdout.contains(option), "missing \(option)")
        }
    }

    @Test func pipedStdinPrintsBannerAndPromptsAndExitsZero() throws {
        let result = try Self.run([], input: Data("1 +\n 2\n".utf8))
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                kvsh 0.1.0 (Swift) - press Ctrl+C to cancel a line, Ctrl+D to exit (type h() ENTER for help)
                iex(1)> ...(1)> 3
                iex(2)> 
                """)
        #expect(result.stderr == "")
    }

    @Test func megabyteLineAndGarbageDoNotCrash() throws {
        // A string literal: a 1 MB integer literal is slow in the parser's big-integer conversion.
        var input = Data("\"".utf8) + Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        input.append(contentsOf: Array("\"\n".utf8))
        input.append(contentsOf: [0xFF, 0xFE, 0x00, 0x80, 0x0A, 0xC3])
        input.append(contentsOf: Array("\n\n".utf8))
        let result = try Self.run([], input: input)
        #expect(result.status == 0)
        #expect(result.stdout.contains("** (UnicodeConversionError) invalid encoding starting at <<255, 254, 0, 128, 10>>"))
        #expect(result.stdout.contains("aaaa\" <> ...\n"))
        #expect(result.stdout.hasSuffix("nil\niex(3)> "))
        #expect(result.stderr == "")
    }

    @Test func unterminatedStringAtEndOfInputExitsZero() throws {
        let result = try Self.run([], input: Data("x = \"abc\n".utf8))
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix("iex(1)> ...(1)> "))
    }

    @Test(arguments: [
        ["--sname", "a", "--name", "a@b.c"],
        ["--sname", "a b"],
        ["--sname", "a@b.c"],
        ["--name", "@host"],
        ["--routing-table"],
    ])
    func invalidNodeOptionsAreRejected(_ arguments: [String]) throws {
        let result = try Self.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error:"))
    }
}

/// The routing table, from `--routing-table FILE` or `KV_ROUTING_TABLE`, and the bucket
/// commands typed at the prompt, on a node of its own.
@Suite struct RoutingTableOptionTests {
    @Test func fromAFileThenBucketCommandsAtThePrompt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-table-\(UUID().uuidString).exs")
        try "# every bucket here\n[{?a..?z, :nonode@nohost}]\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = ["KV.Router.table()", "CREATE shopping", "PUT shopping milk 1", "GET shopping milk", "GET Shopping milk"]
        let result = try KvshBinaryTests.run(["--routing-table", file.path], input: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix("""
            iex(1)> [{97..122, :nonode@nohost}]
            iex(2)> OK
            iex(3)> OK
            iex(4)> 1
            OK
            iex(5)> ** (RuntimeError) could not find entry for "Shopping" in table [{97..122, :nonode@nohost}]

            iex(5)> 
            """))
    }

    @Test func fromTheEnvironment() throws {
        let result = try KvshBinaryTests.run([], input: Data("KV.Router.table()\n".utf8), environment: ["KV_ROUTING_TABLE": "[{?a..?m, :\"foo@vm\"}]"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("iex(1)> [{97..109, :foo@vm}]"))
    }

    @Test(arguments: [
        ("[{:a, :b}]", "kvsh: routing table from KV_ROUTING_TABLE: invalid routing table: the enumerable of entry 0 must be a range or a list of integers, got: :a"),
        ("[{?a..?m, :foo}", "kvsh: routing table from KV_ROUTING_TABLE: the table is incomplete"),
        ("raise \"no table\"", "kvsh: routing table from KV_ROUTING_TABLE: ** (RuntimeError) no table"),
        ("[{?a..?m, :foo}] ]", "kvsh: routing table from KV_ROUTING_TABLE: ** (SyntaxError)"),
    ])
    func aBadTableStopsKvshWithItsReason(table: String, message: String) throws {
        let result = try KvshBinaryTests.run([], input: Data("1\n".utf8), environment: ["KV_ROUTING_TABLE": table])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
    }

    @Test func anUnreadableFileStopsKvsh() throws {
        let result = try KvshBinaryTests.run(["--routing-table", "/nonexistent/table.exs"])
        #expect(result.status == 1)
        #expect(result.stderr == "kvsh: cannot read the routing table file /nonexistent/table.exs\n")
    }
}

/// A value shared between a test and one helper thread; the lock guards `value`.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access to `storage` goes through `lock`.
    private let lock = NSLock()
    private var storage: Value
    init(_ value: Value) { storage = value }
    var value: Value {
        get { lock.withLock { storage } }
        set { lock.withLock { storage = newValue } }
    }
}
