import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import EPMD

/// Erlang's own `epmd`, if installed (Debian's erlang-nox; `make test-deps` installs it).
let installedEpmd: String? = ["/usr/bin/epmd", "/usr/local/bin/epmd", "/opt/homebrew/bin/epmd"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }
/// Erlang's `erl`, if installed.
let installedErlang: String? = ["/usr/bin/erl", "/usr/local/bin/erl", "/opt/homebrew/bin/erl"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// Our client against Erlang's epmd, and Erlang's node and tools against our daemon, each on a
/// free port (never 4369, where a developer's own epmd may run).
@Suite(.enabled(if: installedEpmd != nil && installedErlang != nil, "needs erl and epmd (make test-deps)"))
struct EPMDInteropTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func ourClientRegistersWithErlangsEpmd() async throws {
        let port = try await freePort()
        let epmd = try launch(installedEpmd!, ["-port", "\(port)"], port: port)
        defer { end(epmd) }
        let answering = await eventually { (try? await PortMapperClient.names(port: port, on: group)) != nil }
        try #require(answering, "epmd never answered: \(epmd.report)")

        let node = PortMapperNode(name: "kvshinterop", port: 5555, extra: [7])
        let registration = try await PortMapperClient.register(node: node, port: port, on: group)
        #expect(registration.creation != 0)
        #expect(try await epmdNames(port: port) == "epmd: up and running on port \(port) with data:\nname kvshinterop at port 5555\n")
        #expect(try await PortMapperClient.lookup(name: "kvshinterop", host: "127.0.0.1", port: port, on: group) == node)
        #expect(try await PortMapperClient.lookup(name: "nobody", host: "127.0.0.1", port: port, on: group) == nil)
        await #expect(throws: PortMapperError.nameTaken("kvshinterop")) {
            try await PortMapperClient.register(node: node, port: port, on: self.group)
        }

        // A peer below version 6 gets epmd's 16-bit reply, with a creation from 1 to 3.
        let old = try await PortMapperClient.register(
            node: PortMapperNode(name: "kvshold", port: 5556, highestVersion: 5, lowestVersion: 5), port: port, on: group
        )
        #expect((1...3).contains(old.creation))
        await old.close()

        await registration.close()
        #expect(await eventually { (try? await PortMapperClient.names(port: port, on: group))?.isEmpty == true })
    }

    @Test func erlRegistersWithOurDaemon() async throws {
        let daemon = try await PortMapperDaemon.start(host: "127.0.0.1", port: 0, group: group)
        let name = "kvshprobe\(UInt32.random(in: 0...UInt32.max))"
        let erl = try launch(installedErlang!, ["-sname", name, "-noshell", "-eval", "timer:sleep(3000), halt()."], port: daemon.port)
        defer { end(erl) }

        let registered = await eventually(within: .seconds(6)) {
            (try? await PortMapperClient.names(port: daemon.port, on: group))?.contains { $0.name == name } == true
        }
        try #require(registered, "erl did not register \(name): \(erl.report)")
        let node = try #require(try await PortMapperClient.lookup(name: name, host: "127.0.0.1", port: daemon.port, on: group))
        #expect(node.nodeType == PortMapperNode.normal)
        #expect(node.highestVersion == 6)
        #expect(node.port != 0)
        #expect(try await epmdNames(port: daemon.port) == "epmd: up and running on port \(daemon.port) with data:\nname \(name) at port \(node.port)\n")

        #expect(await eventually(within: .seconds(6)) { !erl.process.isRunning }, "erl did not halt")
        #expect(await eventually { (try? await PortMapperClient.names(port: daemon.port, on: group))?.isEmpty == true })
        await daemon.stop()
    }

    @Test func startDetachedLeavesAMapperRunningInASessionOfItsOwn() async throws {
        let port = try await freePort()
        // A socket of the caller's that the daemon must not inherit: it would keep the port bound.
        let held = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let pid = try await PortMapperDaemon.startDetached(executable: installedEpmd!, arguments: ["epmd", "-port", "\(port)"], port: port)
        defer {
            kill(pid, SIGTERM)
            waitpid(pid, nil, 0)
        }
        #expect(getsid(pid) == pid)
        #expect(try await PortMapperClient.names(port: port, on: group).isEmpty)
        #if os(Linux)
        let files = { (pid: String) in
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")
            }
        }
        for descriptor in 0...2 {
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")) == "/dev/null")
        }
        // The test runner's threads block most signals, and a child inherits the mask; the
        // daemon must still end on SIGTERM.
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        #expect(status.split(separator: "\n").contains("SigBlk:\t0000000000000000"))
        let inherited = Set(files("self")).intersection(files("\(pid)")).filter { $0.hasPrefix("socket:") }
        #expect(inherited.isEmpty, "the daemon holds the caller's sockets \(inherited)")
        #endif
        try await held.close()
    }

    /// Starts a program with `ERL_EPMD_PORT` set to `port`; what it says on stderr goes to a
    /// file, to tell why it failed when it does.
    private func launch(_ executable: String, _ arguments: [String], port: Int) throws -> Launched {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-epmd-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["ERL_EPMD_PORT": "\(port)"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return Launched(process: process, log: log)
    }

    /// A program started by ``launch(_:_:port:)``.
    private struct Launched {
        let process: Process
        let log: URL

        /// How it stands and what it said, for a failure message.
        var report: String {
            let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let status = process.isRunning ? "running" : "exited with \(process.terminationStatus)"
            return "\(process.executableURL?.lastPathComponent ?? "?") \(status), stderr: \(said)"
        }
    }

    /// Ends a program started here. SIGKILL, because a child of a thread that blocks SIGTERM
    /// (as the test runner's threads may) starts with SIGTERM blocked, and epmd never sets its
    /// mask back.
    private func end(_ launched: Launched) {
        end(launched.process)
        try? FileManager.default.removeItem(at: launched.log)
    }

    private func end(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// What `epmd -names` prints about the mapper on `port`: Erlang's own client reading it.
    private func epmdNames(port: Int) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: installedEpmd!)
        process.arguments = ["-names"]
        process.environment = ProcessInfo.processInfo.environment.merging(["ERL_EPMD_PORT": "\(port)"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Polled rather than waited for, so as not to hold a thread of the test's small pool.
        _ = await eventually(within: .seconds(5)) { !process.isRunning }
        end(process)
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
