import Foundation
import Testing

/// First contact with real Erlang: a kvsh node and `erl` nodes (Debian's erlang-nox) share a
/// port mapper (kvsh's own) and shake hands both ways, send both ways, ping, and are both
/// listed by Erlang's own `epmd -names`. Skipped with a message when `erl` is not installed
/// (`make test` installs it).
@Suite(.serialized, .tags(.interop), .enabled(if: Erl.path != nil, "erl is not installed: apt-get install erlang-nox (make test does)"))
struct ErlNodeInteropTests {
    static let cookie = "kvshtestcookie"

    @Test func kvshAndErlTalkBothWays() async throws {
        let mapper = try PortMapperProcess()
        let erl = try Erl.start(
            sname: "erlpeer", mapper: mapper,
            eval: "register(echo, spawn(fun Loop() -> receive stop -> halt(); {From, Msg} -> From ! {echo, Msg}, Loop() end end)), io:format(\"ready~n\"), timer:sleep(60000), halt().")
        defer { erl.0.terminate() }
        try await BEAMProcess.waitForOutput(erl, "ready")
        let kv = try await PeerNode("kv", mapper: mapper, cookie: Self.cookie)
        let peer = "erlpeer@\(Build.shortHostName)"

        // kvsh dials erl.
        #expect(try await kv.enter("Node.ping :\"\(peer)\"", lines: 1) == ":pong")
        #expect(try await kv.enter("Node.list", lines: 1) == "[:\(peer)]")
        try await kv.enter("send {:echo, :\"\(peer)\"}, {self(), :hi}", lines: 1)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await kv.enter("flush()", lines: 2) == "{:echo, :hi}\n:ok")

        // erl dials kvsh: the handshake the other way, is_auth answered, a registered send.
        try await kv.enter("Process.register self(), :sh", lines: 1)
        let caller = try await Erl.run(
            sname: "erlcaller", mapper: mapper,
            eval: "R = net_adm:ping('kv@\(Build.shortHostName)'), {sh, 'kv@\(Build.shortHostName)'} ! {from_erl, R}, io:format(\"~p~n\", [R]), timer:sleep(200), halt().")
        #expect(caller.trimmingCharacters(in: .whitespacesAndNewlines) == "pong")
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await kv.enter("flush()", lines: 2) == "{:from_erl, :pong}\n:ok")

        // Erlang's own epmd, as a client of kvsh's port mapper, lists both.
        let names = try await Erl.command(Erl.epmd, ["-names"], mapper: mapper)
        #expect(names.contains("name kv at port"))
        #expect(names.contains("name erlpeer at port"))
        // `erl` is a script around the VM: ending the script's process leaves the VM running.
        try await kv.enter("send {:echo, :\"\(peer)\"}, :stop", lines: 1)
    }

    @Test func aWrongCookieIsRefusedOnBothSides() async throws {
        let mapper = try PortMapperProcess()
        let kv = try await PeerNode("kvc", mapper: mapper, cookie: Self.cookie)
        let output = try await Erl.run(
            sname: "erlbad", mapper: mapper, cookie: "wrongcookie",
            eval: "io:format(\"~p~n\", [net_adm:ping('kvc@\(Build.shortHostName)')]), halt().")
        #expect(output.contains("pang"))
        // The refusal is logged on kvsh's terminal, as iex shows OTP's error reports.
        let deadline = Date().addingTimeInterval(10)
        while !kv.transcript.contains("Invalid challenge reply"), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(kv.transcript.contains(
            "[error] ** Connection attempt from node :erlbad@\(Build.shortHostName) rejected. Invalid challenge reply. **"))
        #expect(try await kv.enter("Node.list", lines: 1).hasSuffix("[]"))
    }
}

/// Real `erl` nodes for interop tests.
enum Erl {
    static let path = ["/usr/bin/erl", "/usr/local/bin/erl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let epmd = ["/usr/bin/epmd", "/usr/local/bin/epmd"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "epmd"

    /// Starts `erl -sname NAME -noshell -eval EVAL`, on the tests' port mapper.
    static func start(sname: String, mapper: PortMapperProcess, cookie: String = ErlNodeInteropTests.cookie, eval: String) throws -> (Process, SharedText) {
        try BEAMProcess.launch(path ?? "erl", ["-sname", sname, "-setcookie", cookie, "-noshell", "-eval", eval], mapper: mapper)
    }

    /// Runs an erl node to its end; returns what it printed.
    static func run(sname: String, mapper: PortMapperProcess, cookie: String = ErlNodeInteropTests.cookie, eval: String) async throws -> String {
        let (process, output) = try start(sname: sname, mapper: mapper, cookie: cookie, eval: eval)
        _ = try await process.exit()
        return output.text.withLock { $0 }
    }

    static func command(_ executable: String, _ arguments: [String], mapper: PortMapperProcess) async throws -> String {
        let (process, output) = try BEAMProcess.launch(executable, arguments, mapper: mapper)
        _ = try await process.exit()
        return output.text.withLock { $0 }
    }
}
