import Foundation
import Testing

/// First contact with real Erlang: a kvsh node and `erl` nodes (Debian's erlang-nox) share a
/// port mapper (kvsh's own) and shake hands both ways, send both ways, ping, and are both
/// listed by Erlang's own `epmd -names`. Skipped with a message when `erl` is not installed
/// (`make test` installs it).
@Suite(.serialized, .enabled(if: Erl.path != nil, "erl is not installed: apt-get install erlang-nox (make test does)"))
struct ErlNodeInteropTests {
    static let cookie = "kvshtestcookie"

    @Test func kvshAndErlTalkBothWays() throws {
        let mapper = try PortMapperProcess()
        let erl = try Erl.start(
            sname: "erlpeer", mapper: mapper,
            eval: "register(echo, spawn(fun Loop() -> receive {From, Msg} -> From ! {echo, Msg}, Loop() end end)), io:format(\"ready~n\"), timer:sleep(60000)")
        defer { erl.terminate() }
        try Erl.waitForOutput(erl, "ready")
        let kv = try PeerNode("kv", mapper: mapper, cookie: Self.cookie)
        let peer = "erlpeer@\(Build.shortHostName)"

        // kvsh dials erl.
        #expect(try kv.enter("Node.ping :\"\(peer)\"", lines: 1) == ":pong")
        #expect(try kv.enter("Node.list", lines: 1) == "[:\(peer)]")
        try kv.enter("send {:echo, :\"\(peer)\"}, {self(), :hi}", lines: 1)
        usleep(200_000)
        #expect(try kv.enter("flush()", lines: 2) == "{:echo, :hi}\n:ok")

        // erl dials kvsh: the handshake the other way, is_auth answered, a registered send.
        try kv.enter("Process.register self(), :sh", lines: 1)
        let caller = try Erl.run(
            sname: "erlcaller", mapper: mapper,
            eval: "R = net_adm:ping('kv@\(Build.shortHostName)'), {sh, 'kv@\(Build.shortHostName)'} ! {from_erl, R}, io:format(\"~p~n\", [R]), timer:sleep(200), halt().")
        #expect(caller.trimmingCharacters(in: .whitespacesAndNewlines) == "pong")
        usleep(200_000)
        #expect(try kv.enter("flush()", lines: 2) == "{:from_erl, :pong}\n:ok")

        // Erlang's own epmd, as a client of kvsh's port mapper, lists both.
        let names = try Erl.command(Erl.epmd, ["-names"], mapper: mapper)
        #expect(names.contains("name kv at port"))
        #expect(names.contains("name erlpeer at port"))
    }

    @Test func aWrongCookieIsRefusedOnBothSides() throws {
        let mapper = try PortMapperProcess()
        let kv = try PeerNode("kvc", mapper: mapper, cookie: Self.cookie)
        let output = try Erl.run(
            sname: "erlbad", mapper: mapper, cookie: "wrongcookie",
            eval: "io:format(\"~p~n\", [net_adm:ping('kvc@\(Build.shortHostName)')]), halt().")
        #expect(output.contains("pang"))
        // The refusal is logged on kvsh's terminal, as iex shows OTP's error reports.
        let deadline = Date().addingTimeInterval(10)
        while !kv.transcript.contains("Invalid challenge reply"), Date() < deadline { usleep(20_000) }
        #expect(kv.transcript.contains(
            "[error] ** Connection attempt from node :erlbad@\(Build.shortHostName) rejected. Invalid challenge reply. **"))
        #expect(try kv.enter("Node.list", lines: 1).hasSuffix("[]"))
    }
}

/// Real `erl` nodes for interop tests.
enum Erl {
    static let path = ["/usr/bin/erl", "/usr/local/bin/erl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let epmd = ["/usr/bin/epmd", "/usr/local/bin/epmd"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "epmd"

    /// Starts `erl -sname NAME -noshell -eval EVAL`, on the tests' port mapper.
    static func start(sname: String, mapper: PortMapperProcess, cookie: String = ErlNodeInteropTests.cookie, eval: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "erl")
        process.arguments = ["-sname", sname, "-setcookie", cookie, "-noshell", "-eval", eval]
        process.environment = mapper.environment(home: FileManager.default.temporaryDirectory)
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs an erl node to its end; returns what it printed.
    static func run(sname: String, mapper: PortMapperProcess, cookie: String = ErlNodeInteropTests.cookie, eval: String) throws -> String {
        let process = try start(sname: sname, mapper: mapper, cookie: cookie, eval: eval)
        let data = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func command(_ executable: String, _ arguments: [String], mapper: PortMapperProcess) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = mapper.environment(home: FileManager.default.temporaryDirectory)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until a started erl printed `text`.
    static func waitForOutput(_ process: Process, _ text: String) throws {
        let handle = (process.standardOutput as! Pipe).fileHandleForReading
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains(text) {
            guard Date() < deadline, process.isRunning else { throw PeerError.timedOut("erl never printed \(text)") }
            seen += String(decoding: handle.availableData, as: UTF8.self)
        }
    }
}
