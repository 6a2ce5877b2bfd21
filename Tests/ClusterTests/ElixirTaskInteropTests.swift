import Foundation
import Testing

/// The guide's remote tasks between kvsh and a real Elixir 1.14 node, both ways: each side runs
/// a `KV.RouterTasks` supervisor (kvsh starts its own), and each starts and awaits a task on the other's. Skipped with
/// a message when `elixir` is not installed.
@Suite(.serialized, .tags(.interop), .enabled(if: ElixirNode.path != nil, "elixir is not installed: apt-get install elixir"))
struct ElixirTaskInteropTests {
    static let cookie = "kvshtestcookie"

    @Test func remoteTasksBothWays() async throws {
        let mapper = try PortMapperProcess()
        let host = Build.shortHostName
        let kv = try await PeerNode("kvtasks", mapper: mapper, cookie: Self.cookie)
        // Every kvsh node runs one, as every node of the guide's KV application does.
        #expect(try await kv.enter("is_pid(Process.whereis(KV.RouterTasks))", lines: 1) == "true")
        let script = """
        {:ok, _} = Task.Supervisor.start_link(name: KV.RouterTasks)
        Process.register(spawn(fn -> receive do :stop -> System.halt() end end), :stopper)
        kv = :"kvtasks@\(host)"
        true = Node.connect(kv)
        task = Task.Supervisor.async({KV.RouterTasks, kv}, Kernel, :node, [])
        IO.puts("async: #{inspect(Task.await(task))}")
        task = Task.Supervisor.async_nolink({KV.RouterTasks, kv}, Process, :get, [:"$callers"])
        IO.puts("callers are the owner: #{Task.await(task) == [self()]}")
        IO.puts("ready")
        Process.sleep(60_000)
        """
        let elixir = try ElixirNode.start(sname: "extasks", mapper: mapper, cookie: Self.cookie, eval: script)
        defer { elixir.0.terminate() }
        try await BEAMProcess.waitForOutput(elixir, "ready")
        let printed = elixir.1.text.withLock { $0 }
        #expect(printed.contains("async: :kvtasks@\(host)"))
        #expect(printed.contains("callers are the owner: true"))

        let peer = "extasks@\(host)"
        let answer = try await kv.enter("Task.Supervisor.async({KV.RouterTasks, :\"\(peer)\"}, fn -> {:ok, node()} end) |> Task.await()", lines: 1)
        #expect(answer == "{:ok, :\(peer)}")
        // The fn travels as quoted code with its captured variables bound, and runs on the BEAM.
        try await kv.enter("x = 41", lines: 1)
        let captured = try await kv.enter("Task.Supervisor.async({KV.RouterTasks, :\"\(peer)\"}, fn -> {node(), x + 1} end) |> Task.await()", lines: 1)
        #expect(captured == "{:\(peer), 42}")
        let mfa = try await kv.enter("Task.Supervisor.async({KV.RouterTasks, :\"\(peer)\"}, Kernel, :node, []) |> Task.await()", lines: 1)
        #expect(mfa == ":\(peer)")
        let crash = try await kv.enter("Task.Supervisor.async_nolink({KV.RouterTasks, :\"\(peer)\"}, fn -> raise \"boom\" end) |> Task.await()", lines: 3)
        #expect(crash.hasSuffix("    ** (EXIT) an exception was raised:\n        ** (RuntimeError) boom"))
        // `elixir` is a script around the VM: the VM halts when told.
        try await kv.enter("send({:stopper, :\"\(peer)\"}, :stop)", lines: 1)
    }
}

/// Real `elixir` nodes for these tests, on the tests' port mapper.
enum ElixirNode {
    static let path = ["/usr/bin/elixir", "/usr/local/bin/elixir"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts `elixir --sname NAME --cookie COOKIE -e SCRIPT`; its stdout is collected.
    static func start(sname: String, mapper: PortMapperProcess, cookie: String, eval: String) throws -> (Process, SharedText) {
        try BEAMProcess.launch(path ?? "elixir", ["--sname", sname, "--cookie", cookie, "-e", eval], mapper: mapper)
    }
}
