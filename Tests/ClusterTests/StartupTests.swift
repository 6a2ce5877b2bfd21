import Foundation
import Testing

/// What `kvsh --sname` does before its prompt: register with the port mapper (starting one
/// when none answers), find or create the cookie, refuse a name in use.
@Suite(.serialized) final class StartupTests {
    /// The homes this test made, removed when it ends.
    private var homes: [URL] = []

    deinit {
        for home in homes { try? FileManager.default.removeItem(at: home) }
    }

    /// Runs kvsh to the end of `input`; returns its exit status, stdout and stderr.
    private func run(_ arguments: [String], input: String, environment: [String: String]) async throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = Build.kvsh
        process.arguments = arguments
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let out = stdout.collect(), err = stderr.collect()
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let status = try await process.exit()
        return (status, out.text.withLock { $0 }, err.text.withLock { $0 })
    }

    private func temporaryHome() throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        homes.append(home)
        return home
    }

    @Test func aNameInUseIsRefusedAsErlRefusesIt() async throws {
        let mapper = try PortMapperProcess()
        let first = try await PeerNode("dup", mapper: mapper)
        let (status, _, errors) = try await run(["--sname", "dup"], input: "", environment: mapper.environment(home: try temporaryHome()))
        #expect(status == 1)
        #expect(errors.contains("Protocol 'inet_tcp': the name dup@\(Build.shortHostName) seems to be in use by another Erlang node"))
        _ = first
    }

    @Test func aMissingCookieFileIsCreatedAsErlCreatesIt() async throws {
        let mapper = try PortMapperProcess()
        let home = try temporaryHome()
        let (status, output, _) = try await run(["--sname", "cookie"], input: "Node.alive?\n", environment: mapper.environment(home: home))
        #expect(status == 0)
        #expect(output.contains("iex(cookie@\(Build.shortHostName))1> true\n"))
        let path = home.appendingPathComponent(".erlang.cookie").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o400)
        let cookie = try String(contentsOfFile: path, encoding: .utf8)
        #expect(cookie.count == 20 && cookie.allSatisfy { $0.isASCII && $0.isUppercase })
    }

    @Test func withoutAPortMapperOneIsStartedDetached() async throws {
        let port = try PortMapperProcess.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["ERL_EPMD_PORT"] = String(port)
        environment["HOME"] = try temporaryHome().path
        let (status, output, _) = try await run(["--sname", "lonely"], input: "node()\n", environment: environment)
        #expect(status == 0)
        #expect(output.contains(":lonely@"))
        // The mapper outlives the node, as epmd outlives erl; stop it.
        #expect(PortMapperProcess.canConnect(port: port))
        let pkill = Process()
        pkill.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
        pkill.arguments = ["-f", "kvsh epmd --port \(port)$"]
        try pkill.run()
        pkill.waitUntilExit()
    }
}
