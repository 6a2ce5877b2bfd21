import ETF
import ElixirSyntax
import Foundation
import NodeRuntime
import Testing
@testable import Interpreter

/// Two shells, on `foo@vm` and `bar@vm`, connected by a `LoopbackNetwork`: the guide's
/// "Our first distributed code" walkthrough, typed at bar's prompt.
struct TwoNodes {
    let network = LoopbackNetwork()
    let foo: Session
    let bar: Session

    init() {
        let fooNode = LocalNode(name: Atom("foo@vm"), creation: 1, scheduler: testScheduler)
        let barNode = LocalNode(name: Atom("bar@vm"), creation: 2, scheduler: testScheduler)
        network.join(fooNode)
        network.join(barNode)
        foo = Session(node: fooNode)
        bar = Session(node: barNode)
    }

    /// Registers a `net_kernel` on `node` that answers `{:is_auth, node}` with `:yes`, as the BEAM's does.
    func startNetKernel(on session: Session) throws {
        let node = session.shell.interpreter.node
        let pid = node.spawn { process in
            while let message = try await process.receive() {
                guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom("$gen_call"),
                      case .tuple(let from) = parts[1], from.count == 2, case .pid(let caller) = from[0] else { continue }
                process.node.send(.tuple([from[1], .atom("yes")]), to: caller)
            }
        }.pid
        try node.register(Atom("net_kernel"), pid)
    }
}

extension Session {
    /// Output that arrives from other processes in its own time: waits until `text` is there.
    func output(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        var seen = ""
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            seen += try await output()
            if seen.contains(text) { return seen }
            try await Task.sleep(for: .milliseconds(10))
        }
        return seen
    }

    /// `flush()` until it prints something (a reply still on its way from another node).
    func flushed(timeout: Duration = .seconds(30)) async throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            _ = try await run("flush()")
            let printed = try await output()
            if !printed.isEmpty { return printed }
            try await Task.sleep(for: .milliseconds(10))
        }
        return ""
    }
}

/// `#PID<N.x.y>`'s N.
private func pidNodeNumber(_ shown: String) -> Int? {
    guard let start = shown.range(of: "#PID<"), let dot = shown[start.upperBound...].firstIndex(of: ".") else { return nil }
    return Int(shown[start.upperBound..<dot])
}

@Suite struct DistributedEvaluationTests {
    @Test func spawnLinkRunsHelloWorldOnTheOtherNodeAndPrintsHere() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.foo.run("""
        defmodule Hello do
          def world, do: IO.puts "hello world"
        end
        """)
        let pid = try await nodes.bar.run("Node.spawn_link :\"foo@vm\", fn -> Hello.world end")
        #expect(pid.hasPrefix("#PID<"))
        let n = try #require(pidNodeNumber(pid))
        #expect(n != 0)
        #expect(try await nodes.bar.output(containing: "hello world") == "hello world\n")
        #expect(try await nodes.foo.output() == "")
        // The same node prints with the same number every time.
        #expect(pidNodeNumber(try await nodes.bar.run("Node.spawn :\"foo@vm\", fn -> :ok end")) == n)
        #expect(try await nodes.bar.run("node(v(1))") == ":foo@vm")
    }

    @Test func pingPongWithAProcessOnTheOtherNode() async throws {
        let nodes = TwoNodes()
        let pid = try await nodes.bar.run("""
        pid = Node.spawn_link :"foo@vm", fn ->
          receive do
            {:ping, client} -> send client, :pong
          end
        end
        """)
        #expect(pidNodeNumber(pid).map { $0 != 0 } == true)
        let sent = try await nodes.bar.run("send pid, {:ping, self()}")
        #expect(sent.hasPrefix("{:ping, #PID<0."))
        #expect(try await nodes.bar.flushed() == ":pong\n")
    }

    @Test func helloIsUndefinedOnTheNodeThatDidNotDefineIt() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.foo.run("defmodule Hello do\n  def world, do: IO.puts \"hello world\"\nend")
        #expect(try await nodes.bar.run("Hello.world") == """
        ** (UndefinedFunctionError) function Hello.world/0 is undefined (module Hello is not available)
            Hello.world()
        """)
        _ = try await nodes.bar.run("Node.spawn :\"foo@vm\", Hello, :world, []")
        #expect(try await nodes.bar.output(containing: "hello world") == "hello world\n")
    }

    @Test func capturedVariablesTravelWithTheFunction() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("x = 5")
        _ = try await nodes.bar.run("pid = self()")
        _ = try await nodes.bar.run("Node.spawn(:\"foo@vm\", fn -> send(pid, x * 2) end)")
        #expect(try await nodes.bar.run("receive do n -> n after 30000 -> :timeout end") == "10")
        // `node()` inside the fn runs over there.
        _ = try await nodes.bar.run("Node.spawn(:\"foo@vm\", fn -> send(pid, {:on, node()}) end)")
        #expect(try await nodes.bar.run("receive do n -> n after 30000 -> :timeout end") == "{:on, :foo@vm}")
    }

    @Test func capturedFunctionsTravelAsCodeWithTheirOwnVariables() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("pid = self()")
        _ = try await nodes.bar.run("x = 2; f = fn -> x end; x = 5; g = fn y -> f.() + y end")
        _ = try await nodes.bar.run("Node.spawn(:\"foo@vm\", fn -> send(pid, {f.(), g.(10), x}) end)")
        #expect(try await nodes.bar.run("receive do m -> m after 30000 -> :none end") == "{2, 12, 5}")
        // No fn value is left in what travels: a BEAM peer could not call one.
        guard case .value(let fun) = await nodes.bar.shell.evaluate(try quoted("fn -> send(pid, {f.(), g.(10), x}) end")) else {
            Issue.record("no fn")
            return
        }
        let request = try NodeModule.Spawnable(fun: fun).request(nodes.bar.shell.interpreter)
        func hasFun(_ term: Term) -> Bool {
            switch term {
            case .fun: return true
            case .tuple(let parts): return parts.contains(where: hasFun)
            case .cons(let cell): return hasFun(cell.head) || hasFun(cell.tail)
            default: return false
            }
        }
        #expect(!request.arguments.contains(where: hasFun))
    }

    @Test func theSpawnRequestCarriesOnlyTheVariablesTheFunctionUses() async throws {
        let s = Session()
        _ = try await s.run("x = 5; y = 6; pid = self()")
        _ = try await s.run("f = fn -> send(pid, x * 2) end")
        let fun = try await s.shell.evaluate(try quoted("f"))
        guard case .value(let value) = fun else { Issue.record("no fun"); return }
        let request = try NodeModule.Spawnable(fun: value).request(s.shell.interpreter)
        #expect(request.module == Atom("Elixir.Code"))
        #expect(request.function == Atom("eval_quoted"))
        #expect(request.arguments.count == 2)
        let names = (request.arguments[1].properList ?? []).compactMap { entry -> String? in
            guard case .tuple(let pair) = entry else { return nil }
            return pair[0].atomValue?.text
        }
        #expect(names == ["pid", "x"])
        // `(fn -> … end).()`: a call of the fn with no arguments.
        guard case .tuple(let call) = request.arguments[0], call.count == 3, case .tuple(let dot) = call[0] else {
            Issue.record("not a call: \(request.arguments[0].inspect())")
            return
        }
        #expect(dot[0] == .atom("."))
        #expect(call[2] == .emptyList)
        guard case .tuple(let fn)? = dot[2].properList?.first else { Issue.record("no fn"); return }
        #expect(fn[0] == .atom("fn"))
        // And it runs here too, as another node's `Code.eval_quoted/2` would.
        let node = s.shell.interpreter.node
        let runner = try #require(node.codeRunner)
        node.spawn { process in try await runner.apply(request.module, request.function, request.arguments, in: process) }
        #expect(try await s.run("receive do n -> n after 30000 -> :timeout end") == "10")
    }

    @Test func aFunctionOfArityOneCrashesOverThereAndReportsHere() async throws {
        let nodes = TwoNodes()
        let pid = try await nodes.bar.run("Node.spawn(:\"foo@vm\", fn x -> x end)")
        let n = try #require(pidNodeNumber(pid))
        #expect(n != 0)
        let printed = try await nodes.bar.output(containing: "no arguments")
        let suffix = pid.dropFirst("#PID<".count)
        #expect(printed == """

        [error] Process #PID<\(suffix) on node :foo@vm raised an exception
        ** (BadArityError) #Function<42.3316493/1 in :erl_eval.expr/6> with arity 1 called with no arguments

        """)
    }

    @Test func anUndefinedFunctionEndsTheProcessWithUndef() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.foo.run("defmodule Hello do\n  def world, do: :ok\nend")
        let spawned = try await nodes.bar.run("{pid, ref} = Node.spawn_monitor(:\"foo@vm\", Hello, :nope, [1])")
        #expect(spawned.hasPrefix("{#PID<"))
        #expect(try await nodes.bar.run("receive do {:DOWN, ^ref, :process, ^pid, reason} -> reason after 30000 -> :timeout end")
            == "{:undef, [{Hello, :nope, [1], []}]}")
        let printed = try await nodes.bar.output(containing: "Hello.nope/1")
        #expect(printed.contains("on node :foo@vm raised an exception\n** (UndefinedFunctionError) function Hello.nope/1 is undefined or private"))
    }

    @Test func nodeListConnectAndPing() async throws {
        let nodes = TwoNodes()
        try nodes.startNetKernel(on: nodes.foo)
        #expect(try await nodes.bar.run("Node.list") == "[]")
        #expect(try await nodes.bar.run("Node.alive?") == "true")
        #expect(try await nodes.bar.run("Node.self") == ":bar@vm")
        #expect(try await nodes.bar.run("Node.ping(:\"foo@vm\")") == ":pong")
        #expect(try await nodes.bar.run("Node.list") == "[:foo@vm]")
        #expect(try await nodes.bar.run("Node.list([:this, :visible])") == "[:foo@vm, :bar@vm]")
        #expect(try await nodes.bar.run("Node.list(:this)") == "[:bar@vm]")
        #expect(try await nodes.bar.run("Node.list(:hidden)") == "[]")
        #expect(try await nodes.bar.run(":erlang.nodes()") == "[:foo@vm]")
        #expect(try await nodes.bar.run("Node.ping(:\"nosuch@vm\")") == ":pang")
        #expect(try await nodes.bar.run("Node.list(:known)") == "[:foo@vm, :nosuch@vm, :bar@vm]")
        #expect(try await nodes.bar.run("Node.connect(:\"nosuch@vm\")") == "false")
        #expect(try await nodes.bar.run("Node.ping(node())") == ":pong")
        // Without a net_kernel over there the call's monitor answers `:noproc`: no pong.
        #expect(try await nodes.foo.run("Node.ping(:\"bar@vm\")") == ":pang")
        #expect(try await nodes.foo.run("Node.connect(:\"bar@vm\")") == "true")
    }

    @Test func nodeMonitorHearsNodedownWhenTheConnectionGoes() async throws {
        let nodes = TwoNodes()
        #expect(try await nodes.bar.run("Node.connect(:\"foo@vm\")") == "true")
        #expect(try await nodes.bar.run("Node.monitor(:\"foo@vm\", true)") == "true")
        #expect(try await nodes.bar.run("Node.disconnect(:\"foo@vm\")") == "true")
        #expect(try await nodes.bar.flushed() == "{:nodedown, :foo@vm}\n")
        #expect(try await nodes.bar.run("Node.list") == "[]")
        #expect(try await nodes.bar.run("Node.monitor(:\"nosuch@vm\", true)") == "true")
        #expect(try await nodes.bar.flushed() == "{:nodedown, :nosuch@vm}\n")
    }

    @Test func aLinkAcrossNodesBreaksWithNoconnection() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("Process.flag(:trap_exit, true)")
        _ = try await nodes.bar.run("pid = Node.spawn_link(:\"foo@vm\", fn -> receive do _ -> :ok end end)")
        #expect(nodes.foo.shell.interpreter.node.processCount >= 1)
        #expect(try await nodes.bar.run("Node.disconnect(:\"foo@vm\")") == "true")
        #expect(try await nodes.bar.run("receive do {:EXIT, ^pid, reason} -> reason after 30000 -> :none end") == ":noconnection")
    }

    @Test func sendAndMonitorByNameOnTheOtherNode() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.foo.run("Process.register(self(), :foo_shell)")
        #expect(try await nodes.bar.run("send({:foo_shell, :\"foo@vm\"}, :hi)") == ":hi")
        #expect(try await nodes.foo.flushed() == ":hi\n")
        #expect(try await nodes.bar.run("Process.send({:foo_shell, :\"foo@vm\"}, :again, [])") == ":ok")
        #expect(try await nodes.foo.flushed() == ":again\n")
        _ = try await nodes.bar.run("ref = Process.monitor({:nope, :\"foo@vm\"})")
        #expect(try await nodes.bar.run("receive do {:DOWN, ^ref, :process, what, reason} -> {what, reason} after 30000 -> :none end")
            == "{{:nope, :foo@vm}, :noproc}")
        // A message to our own node by name stays here.
        _ = try await nodes.bar.run("Process.register(self(), :bar_shell)")
        _ = try await nodes.bar.run("send({:bar_shell, node()}, :local)")
        #expect(try await nodes.bar.flushed() == ":local\n")
    }

    @Test func exitSignalsReachProcessesOnTheOtherNode() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("pid = Node.spawn(:\"foo@vm\", fn -> receive do _ -> :ok end end)")
        _ = try await nodes.bar.run("ref = Process.monitor(pid)")
        #expect(try await nodes.bar.run("Process.exit(pid, :kill)") == "true")
        #expect(try await nodes.bar.run("receive do {:DOWN, ^ref, :process, ^pid, reason} -> reason after 30000 -> :none end") == ":killed")
    }

    @Test func linkingToAProcessOnTheOtherNode() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("Process.flag(:trap_exit, true)")
        let pid = try await nodes.bar.run("pid = Node.spawn(:\"foo@vm\", fn -> receive do :die -> exit(:bye) end end)")
        #expect(try await nodes.bar.run("Process.link(pid)") == "true")
        _ = try await nodes.bar.run("send(pid, :die)")
        #expect(try await nodes.bar.run("receive do {:EXIT, ^pid, reason} -> reason after 30000 -> :none end") == ":bye")
        #expect(try await nodes.bar.run("Process.alive?(pid)") == """
        ** (ArgumentError) errors were found at the given arguments:

          * 1st argument: not a pid

            :erlang.is_process_alive(\(pid))
        """)
    }

    @Test func spawningOnANodeThatCannotBeReachedAsOTP25Does() async throws {
        let nodes = TwoNodes()
        let pid = try await nodes.bar.run("Node.spawn(:nosuch@vm, fn -> :ok end)")
        #expect(pid.hasPrefix("#PID<0."))
        #expect(try await nodes.bar.output(containing: "**\n") == """

        [warning] ** Can not start :erlang::apply,[#Function<43.3316493/0 in :erl_eval.expr/6>, []] on :nosuch@vm **

        """)
        _ = try await nodes.bar.run("{pid, ref} = Node.spawn_monitor(:nosuch@vm, Hello, :world, [])")
        #expect(try await nodes.bar.output(containing: "**\n").contains("** Can not start Hello::world,[] ([:monitor]) on :nosuch@vm **"))
        #expect(try await nodes.bar.run("receive do {:DOWN, ^ref, :process, ^pid, reason} -> reason after 30000 -> :none end") == ":noconnection")
        let shell = try await nodes.bar.run("self()")
        let died = try await nodes.bar.run("Node.spawn_link(:nosuch@vm, fn -> :ok end)")
        #expect(died == "** (EXIT from \(shell)) shell process exited with reason: no connection")
    }

    @Test func spawnWithOptions() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("{pid, ref} = Node.spawn(:\"foo@vm\", fn -> exit(:done) end, [:monitor])")
        #expect(try await nodes.bar.run("receive do {:DOWN, ^ref, :process, ^pid, reason} -> reason after 30000 -> :none end") == ":done")
        _ = try await nodes.bar.run("{pid, ref} = Node.spawn(:\"foo@vm\", Kernel, :exit, [:fine], [:monitor])")
        #expect(try await nodes.bar.run("receive do {:DOWN, ^ref, :process, ^pid, reason} -> reason after 30000 -> :none end") == ":fine")
    }

    /// The guide's first alternative to `Node.spawn_link`, and erpc under it, answering as
    /// OTP 25 answered in a real `iex --sname bar` calling `foo`.
    @Test func rpcCallRunsOnTheOtherNodeAndPrintsHere() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.foo.run("defmodule Hello do\n  def world, do: IO.puts \"hello world\"\nend")
        #expect(try await nodes.bar.run(":rpc.call(:\"foo@vm\", Hello, :world, [])") == ":ok")
        #expect(try await nodes.bar.output() == "hello world\n")
        #expect(try await nodes.bar.run(":rpc.call(:\"foo@vm\", Hello, :nope, [])") == "{:badrpc, {:EXIT, {:undef, [{Hello, :nope, [], []}]}}}")
        #expect(try await nodes.bar.run(":rpc.call(:\"foo@vm\", Kernel, :throw, [:x])") == ":x")
        #expect(try await nodes.bar.run(":rpc.call(:\"foo@vm\", Kernel, :exit, [:bye])") == "{:badrpc, {:EXIT, :bye}}")
        #expect(try await nodes.bar.run(":rpc.call(:\"foo@vm\", Kernel, :node, [])") == ":foo@vm")
        #expect(try await nodes.bar.run(":rpc.call(:\"nosuch@vm\", Kernel, :node, [])") == "{:badrpc, :nodedown}")
        #expect(try await nodes.bar.run(":rpc.call(node(), Kernel, :node, [])") == ":bar@vm")
        #expect(try await nodes.bar.run(":rpc.call(:\"foo@vm\", Process, :sleep, [:infinity], 100)") == "{:badrpc, :timeout}")
        #expect(try await nodes.bar.run(":erpc.call(:\"foo@vm\", Kernel, :node, [])") == ":foo@vm")
        #expect(try await nodes.bar.run(":erpc.call(:\"foo@vm\", Hello, :nope, [])")
            == "** (ErlangError) Erlang error: {:exception, :undef, [{Hello, :nope, [], []}]}")
        #expect(try await nodes.bar.run(":erpc.call(:\"foo@vm\", Kernel, :exit, [:bye])") == "** (exit) {:exception, :bye}")
        #expect(try await nodes.bar.run(":erpc.call(:\"foo@vm\", Kernel, :throw, [:x])") == "** (throw) :x")
        #expect(try await nodes.bar.run(":erpc.call(:\"nosuch@vm\", Kernel, :node, [])") == "** (ErlangError) Erlang error: {:erpc, :noconnection}")
        #expect(try await nodes.bar.run(":erpc.call(:\"foo@vm\", Process, :sleep, [:infinity], 100)") == "** (ErlangError) Erlang error: {:erpc, :timeout}")
        #expect(try await nodes.bar.run(":erpc.cast(:\"foo@vm\", Hello, :world, [])") == ":ok")
        #expect(try await nodes.bar.output(containing: "hello world") == "hello world\n")
        // Nothing of the calls' machinery is left in the caller's mailbox.
        #expect(try await nodes.bar.run("flush()") == ":ok")
        #expect(try await nodes.bar.output() == "")
    }

    @Test func aFunctionMadeInAModuleCallsThatModuleOverThere() async throws {
        let nodes = TwoNodes()
        let code = """
        defmodule Pinger do
          def start(node, to), do: Node.spawn(node, fn -> send(to, __MODULE__); to |> reply() end)
          def reply(to), do: send(to, {__MODULE__, label(), node()})
          def label, do: :pong
        end
        """
        _ = try await nodes.foo.run(code)
        _ = try await nodes.bar.run(code)
        _ = try await nodes.bar.run("Pinger.start(:\"foo@vm\", self())")
        #expect(try await nodes.bar.run("receive do m -> m after 30000 -> :none end") == "Pinger")
        let got = try await nodes.bar.run("receive do m -> m after 30000 -> :none end")
        let printed = try await nodes.bar.output() + "|" + (try await nodes.foo.output())
        #expect(got == "{Pinger, :pong, :foo@vm}", "\(printed)")
    }

    @Test func capturedFunctionsSpawnToo() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.foo.run("defmodule Hello do\n  def world, do: IO.puts \"hello world\"\nend")
        _ = try await nodes.bar.run("Node.spawn(:\"foo@vm\", &Hello.world/0)")
        #expect(try await nodes.bar.output(containing: "hello world") == "hello world\n")
        _ = try await nodes.bar.run("Node.spawn(:\"foo@vm\", &Hello.world/1)")
        #expect(try await nodes.bar.output(containing: "arguments").contains("on node :foo@vm raised an exception\n** (BadArityError) &Hello.world/1 with arity 1 called with no arguments"))
    }

    @Test func spawningOnThisNodeSpawnsLocally() async throws {
        let nodes = TwoNodes()
        _ = try await nodes.bar.run("me = self()")
        let pid = try await nodes.bar.run("Node.spawn(node(), fn -> send(me, :here) end)")
        #expect(pid.hasPrefix("#PID<0."))
        #expect(try await nodes.bar.run("receive do m -> m after 30000 -> :none end") == ":here")
    }

    @Test func aNodeThatIsNotDistributedAnswersAsTheBEAMDoes() async throws {
        let s = Session()
        #expect(try await s.run("Node.alive?") == "false")
        #expect(try await s.run("Node.connect(:foo@vm)") == ":ignored")
        #expect(try await s.run("Node.disconnect(:foo@vm)") == ":ignored")
        #expect(try await s.run("Node.ping(:foo@vm)") == ":pang")
        #expect(try await s.run("Node.list(:this)") == "[:nonode@nohost]")
        #expect(try await s.run("Node.monitor(:foo@vm, true)") == """
        ** (ErlangError) Erlang error: :notalive
            :erlang.monitor_node(:foo@vm, true)
        """)
        #expect(try await s.run("node(:nonode)") == """
        ** (ArgumentError) errors were found at the given arguments:

          * 1st argument: not a pid

            :erlang.node(:nonode)
        """)
        #expect(try await s.run("node(make_ref())") == ":nonode@nohost")
    }

    private func quoted(_ source: String) throws -> Term {
        guard case .complete(let term) = try ElixirParser.parse(source) else { throw ElixirError.runtime("incomplete") }
        return term
    }
}
