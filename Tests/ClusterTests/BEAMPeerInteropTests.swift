import Foundation
import Testing

/// What a real Elixir 1.14 node can send that kvsh cannot take as it is, and a BEAM node that
/// goes away mid-call: each gets the answer a BEAM node gives (checked against BEAM→BEAM runs:
/// the same shapes, the same log lines), and the connection and the node stay up.
@Suite(.serialized, .tags(.interop), .enabled(if: ElixirNode.path != nil, "elixir is not installed: apt-get install elixir (make test does)"))
struct BEAMPeerInteropTests {
    static let cookie = "kvshtestcookie"

    /// Runs on the Elixir node against kvsh's `target`; prints one `label: value` line per probe.
    static let probes = """
        t = :"TARGET"
        Process.register(self(), :probe)
        true = Node.connect(t)
        Process.flag(:trap_exit, true)
        show = fn label, v -> IO.puts("#{label}: #{inspect(v)}") end
        await_exit = fn label, pid -> receive do {:EXIT, ^pid, r} -> show.(label, r) after 3000 -> show.(label, :none) end end
        Code.compile_string("defmodule M do def f, do: fn -> :ok end end")
        {shell_fn, _} = Code.eval_string("fn -> :ok end")
        await_exit.("spawn_link shell fn", Node.spawn_link(t, shell_fn))
        await_exit.("spawn_link compiled fn", Node.spawn_link(t, M.f()))
        show.("rpc shell fn", :rpc.call(t, :erlang, :apply, [shell_fn, []]))
        show.("rpc compiled fn", :rpc.call(t, :erlang, :apply, [M.f(), []]))
        show.("rpc undef", :rpc.call(t, Nope, :nope, [1]))
        show.("rpc undef in a module kvsh has", :rpc.call(t, Kernel, :nope, [1]))
        await_exit.("spawn_link undef", Node.spawn_link(t, Nope, :nope, [1]))
        send({:sh, t}, {:port, hd(Port.list())})
        send({:sh, t}, {:bits, <<1::3>>})
        send({:sh, t}, {:big, 2 ** 200})
        send({:sh, t}, {:fun, M.f()})
        deep = Enum.reduce(1..100_000, [], fn _, acc -> [acc] end)
        send({:sh, t}, {:deep, deep})
        send({:sh, t}, {:deep, List.to_tuple([deep])})
        show.("rpc deep", :rpc.call(t, Kernel, :length, [[deep]]))
        send({:sh, t}, :after_deep)
        send({:nobody, t}, :hi)
        ref = Process.monitor({:nobody, t})
        receive do {:DOWN, ^ref, _, _, _} = m -> show.("monitor missing", m) after 2000 -> show.("monitor missing", :none) end
        ref = Process.monitor({:victim, t})
        send({:victim, t}, :stop)
        receive do {:DOWN, ^ref, _, _, _} = m -> show.("monitor by name", m) after 2000 -> show.("monitor by name", :none) end
        pid = Node.spawn(t, Process, :sleep, [10_000])
        Process.link(pid)
        Process.unlink(pid)
        Process.exit(pid, :kill)
        await_exit.("after unlink", pid)
        pid = Node.spawn(t, Process, :sleep, [10_000])
        Process.link(pid)
        Process.exit(pid, :kill)
        await_exit.("linked kill", pid)
        show.("still up", :rpc.call(t, Kernel, :node, []))
        IO.puts("ready")
        receive do :stop -> :ok after 30_000 -> :ok end
        """

    @Test func badInputFromABEAMNodeGetsOTPsAnswers() async throws {
        let mapper = try PortMapperProcess()
        let host = Build.shortHostName
        let kv = try await PeerNode("pbar", mapper: mapper, cookie: Self.cookie)
        try await kv.enter("Process.register(self(), :sh)", lines: 1)
        try await kv.enter("spawn(fn -> Process.register(self(), :victim); receive do :stop -> :ok end end)", lines: 1)
        let script = Self.probes.replacingOccurrences(of: "TARGET", with: "pbar@\(host)")
        let elixir = try ElixirNode.start(sname: "pfoo", mapper: mapper, cookie: Self.cookie, eval: script)
        defer { elixir.0.terminate() }
        try await BEAMProcess.waitForOutput(elixir, "ready")
        let lines = elixir.1.text.withLock { $0 }.split(separator: "\n").map(String.init)
        func probe(_ label: String) -> String {
            lines.first { $0.hasPrefix(label + ": ") }.map { String($0.dropFirst(label.count + 2)) } ?? "(no \(label) line in \(lines))"
        }
        // A fun made by eval (erl_eval's, which every BEAM has) that kvsh cannot run: `:badfun`,
        // as a BEAM node reports a fun of a module it has in another version.
        #expect(probe("spawn_link shell fn").hasPrefix("{{:badfun, #Function<"))
        #expect(probe("spawn_link shell fn").hasSuffix(" in :erl_eval.expr/6>}, [{:error_handler, :undefined_lambda, 3, []}]}"))
        #expect(probe("rpc shell fn").hasPrefix("{:badrpc, {:EXIT, {{:badfun, #Function<"))
        #expect(probe("rpc shell fn").hasSuffix(">}, [{:erlang, :apply, 2, []}]}}}"))
        // A fun of a module kvsh does not have: `:undef`, with the fun's call on the stack.
        #expect(probe("spawn_link compiled fn").hasPrefix("{:undef, [{#Function<0."))
        #expect(probe("spawn_link compiled fn").hasSuffix("/0 in M.f/0>, [], []}]}"))
        #expect(probe("rpc compiled fn").hasSuffix("/0 in M.f/0>, [], []}, {:erlang, :apply, 2, []}]}}}"))
        // The crash report reaches the spawning node's terminal, in the words of Elixir's logger.
        let printed = elixir.1.text.withLock { $0 }
        #expect(printed.contains(" on node :pbar@\(host) raised an exception\n** (UndefinedFunctionError) undefined function\n    #Function<0."))
        #expect(probe("rpc undef") == "{:badrpc, {:EXIT, {:undef, [{Nope, :nope, [1], []}]}}}")
        #expect(probe("rpc undef in a module kvsh has") == "{:badrpc, {:EXIT, {:undef, [{Kernel, :nope, [1], []}]}}}")
        #expect(probe("spawn_link undef") == "{:undef, [{Nope, :nope, [1], []}]}")
        // Deeper than kvsh's terms go: the spawn is refused as the BEAM refuses one it cannot do.
        #expect(probe("rpc deep") == "{:badrpc, {:EXIT, :system_limit}}")
        #expect(probe("monitor missing").hasSuffix(", :process, {:nobody, :pbar@\(host)}, :noproc}"))
        #expect(probe("monitor by name").hasSuffix(", :process, {:victim, :pbar@\(host)}, :normal}"))
        #expect(probe("after unlink") == ":none")
        #expect(probe("linked kill") == ":killed")
        #expect(probe("still up") == ":pbar@\(host)")

        let flushed = try await kv.enter("flush()", lines: 6)
        #expect(flushed.contains("{:port, #Port<"))
        #expect(flushed.contains("{:bits, <<1::size(3)>>}"))
        #expect(flushed.contains("{:big, 1606938044258990275541962092341162602522202993782792835301376}"))
        #expect(flushed.contains("{:fun, #Function<0."))
        #expect(flushed.hasSuffix(":after_deep\n:ok"), "flushed: \(flushed)")
        #expect(kv.transcript.contains("[error] ** Dropped a message (control message 6) from node :pfoo@\(host): its term nests deeper than 2000 levels **"))
        #expect(try await kv.enter("Node.list()", lines: 1) == "[:pfoo@\(host)]")
        try await kv.enter("send({:probe, :\"pfoo@\(host)\"}, :stop)", lines: 1)
        _ = try await elixir.0.exit()
    }

    /// A server script for the Elixir node: it halts `ms` milliseconds after `{:halt_in, ms}`.
    static let server = """
        {:ok, _} = Task.Supervisor.start_link(name: KV.RouterTasks)
        Process.register(spawn(fn -> Process.sleep(:infinity) end), :silent)
        Process.register(self(), :server)
        IO.puts("ready")
        receive do {:halt_in, ms} -> Process.sleep(ms); System.halt() after 30_000 -> System.halt() end
        """

    @Test func aBEAMNodeThatGoesDownMidCall() async throws {
        let mapper = try PortMapperProcess()
        let host = Build.shortHostName
        let kv = try await PeerNode("pcaller", mapper: mapper, cookie: Self.cookie)
        let calls: [(String, String)] = [
            (":rpc.call(t, :timer, :sleep, [5000])", "{:badrpc, :nodedown}"),
            ("GenServer.call({:silent, t}, :x)",
             "** (exit) exited in: GenServer.call({:silent, :pdown@\(host)}, :x, 5000)\n    ** (EXIT) no connection to pdown@\(host)"),
            ("Task.Supervisor.async({KV.RouterTasks, t}, Process, :sleep, [5000]) |> Task.await()",
             "** (EXIT from #PID<"),
        ]
        for (call, expected) in calls {
            let elixir = try ElixirNode.start(sname: "pdown", mapper: mapper, cookie: Self.cookie, eval: Self.server)
            defer { elixir.0.terminate() }
            try await BEAMProcess.waitForOutput(elixir, "ready")
            let answer = try await kv.enter(
                "t = :\"pdown@\(host)\"; send({:server, t}, {:halt_in, 300}); \(call)", lines: 1, timeout: 15)
            #expect(answer.hasPrefix(expected), "\(call) answered \(answer)")
            _ = try await elixir.0.exit()
        }
        // The linked task took the shell process down (as it takes iex's), with `:noconnection`.
        #expect(kv.transcript.contains("shell process exited with reason: no connection"))
        #expect(try await kv.enter("Node.list()", lines: 1) == "[]")
    }
}
