import ETF
import Testing
@testable import Interpreter

/// `Task.Supervisor` on one node, and the guide's remote tasks: a supervisor named
/// `KV.RouterTasks` on foo, tasks started and awaited from bar's shell.
@Suite struct TaskSupervisorTests {
    static let noproc = "no process: the process is not alive or there's no process currently associated with the given name, possibly because its application isn't started"

    func shape(_ text: String) -> String { TaskModuleTests.shape(text) }

    /// Two nodes with `KV.RouterTasks` started in foo's shell.
    func routerTasks() async throws -> TwoNodes {
        let nodes = TwoNodes()
        let started = try await nodes.foo.run("{:ok, pid} = Task.Supervisor.start_link(name: KV.RouterTasks)")
        #expect(shape(started) == "{:ok, #PID<…>}")
        return nodes
    }

    @Test func localSupervisor() async throws {
        let s = Session()
        #expect(shape(try await s.run("{:ok, sup} = Task.Supervisor.start_link(name: Local)")) == "{:ok, #PID<…>}")
        #expect(try await s.run("{:error, {:already_started, ^sup}} = Task.Supervisor.start_link(name: Local); :ok") == ":ok")
        #expect(try await s.run("Task.Supervisor.children(Local)") == "[]")
        #expect(try await s.run("Task.Supervisor.async(Local, fn -> 6 * 7 end) |> Task.await()") == "42")
        #expect(try await s.run("Task.Supervisor.async(Local, Kernel, :node, []).mfa") == "{Kernel, :node, 0}")
        #expect(try await s.run("Task.Supervisor.async(Local, fn -> 1 end).mfa") == "{:erlang, :apply, 2}")
        #expect(try await s.run("Task.Supervisor.async_nolink(Local, fn -> :nolink end) |> Task.await()") == ":nolink")
        #expect(try await s.run("{:ok, child} = Task.Supervisor.start_child(Local, fn -> Process.sleep(5000) end); Task.Supervisor.children(Local) == [child]") == "true")
        #expect(try await s.run("Task.Supervisor.async(Local, Process, :get, [:\"$ancestors\"]) |> Task.await() == [Local, self()]") == "true")
        #expect(try await s.run("Task.Supervisor.async(Local, Process, :get, [:\"$callers\"]) |> Task.await() == [self()]") == "true")
    }

    @Test func guideRemoteTask() async throws {
        let nodes = try await routerTasks()
        let task = try await nodes.bar.run("task = Task.Supervisor.async({KV.RouterTasks, :\"foo@vm\"}, fn -> {:ok, node()} end)")
        #expect(shape(task) == "%Task{\n  mfa: {:erlang, :apply, 2},\n  owner: #PID<…>,\n  pid: #PID<…>,\n  ref: #Reference<…>\n}")
        #expect(task.contains("owner: #PID<0.") && !task.contains("  pid: #PID<0."), "the owner is bar's, the task foo's")
        #expect(try await nodes.bar.run("Task.await(task)") == "{:ok, :foo@vm}")
        #expect(try await nodes.bar.run("Task.Supervisor.async({KV.RouterTasks, :\"foo@vm\"}, Kernel, :node, []) |> Task.await()") == ":foo@vm")
        #expect(try await nodes.bar.run("x = 41; Task.Supervisor.async({KV.RouterTasks, :\"foo@vm\"}, fn -> x + 1 end) |> Task.await()") == "42")
        #expect(try await nodes.bar.run("Task.Supervisor.async({KV.RouterTasks, :\"foo@vm\"}, Process, :get, [:\"$callers\"]) |> Task.await() == [self()]") == "true")
        #expect(try await nodes.bar.run("Task.Supervisor.start_child({KV.RouterTasks, :\"foo@vm\"}, fn -> Process.sleep(5000) end) |> elem(0)") == ":ok")
        #expect(try await nodes.foo.run("length(Task.Supervisor.children(KV.RouterTasks))") == "1")
    }

    @Test func unreachableSupervisors() async throws {
        let nodes = try await routerTasks()
        let missing = try await nodes.bar.run("Task.Supervisor.async({Nope, :\"foo@vm\"}, Kernel, :node, [])")
        #expect(shape(missing) == "** (exit) exited in: GenServer.call({Nope, :foo@vm}, {:start_task, [{:bar@vm, #PID<…>, #PID<…>}, :monitor], :temporary, nil}, :infinity)\n    ** (EXIT) \(Self.noproc)")
        let nodedown = try await nodes.bar.run("Task.Supervisor.async({KV.RouterTasks, :\"zz@vm\"}, Kernel, :node, [])")
        #expect(shape(nodedown) == "** (exit) exited in: GenServer.call({KV.RouterTasks, :zz@vm}, {:start_task, [{:bar@vm, #PID<…>, #PID<…>}, :monitor], :temporary, nil}, :infinity)\n    ** (EXIT) no connection to zz@vm")
        let call = try await nodes.bar.run("GenServer.call({:nope, :\"zz@vm\"}, :hi)")
        #expect(call == "** (exit) exited in: GenServer.call({:nope, :zz@vm}, :hi, 5000)\n    ** (EXIT) no connection to zz@vm")
    }

    @Test func aTaskWhoseNodeGoesAway() async throws {
        let nodes = try await routerTasks()
        _ = try await nodes.bar.run("t = Task.Supervisor.async_nolink({KV.RouterTasks, :\"foo@vm\"}, fn -> Process.sleep(5000) end)")
        #expect(try await nodes.bar.run("Node.disconnect(:\"foo@vm\")") == "true")
        let awaited = try await nodes.bar.run("Task.await(t)")
        #expect(shape(awaited) == "** (exit) exited in: Task.await(%Task{mfa: {:erlang, :apply, 2}, owner: #PID<…>, pid: #PID<…>, ref: #Reference<…>}, 5000)\n    ** (EXIT) no connection to foo@vm")
    }

    @Test func remoteCrashes() async throws {
        let nodes = try await routerTasks()
        let awaited = try await nodes.bar.run("Task.Supervisor.async_nolink({KV.RouterTasks, :\"foo@vm\"}, fn -> raise \"boom\" end) |> Task.await()")
        #expect(shape(awaited) == "** (exit) exited in: Task.await(%Task{mfa: {:erlang, :apply, 2}, owner: #PID<…>, pid: #PID<…>, ref: #Reference<…>}, 5000)\n    ** (EXIT) an exception was raised:\n        ** (RuntimeError) boom")
        let linked = try await nodes.bar.run("Task.Supervisor.async({KV.RouterTasks, :\"foo@vm\"}, fn -> raise \"boom\" end) |> Task.await()")
        #expect(shape(linked) == "** (EXIT from #PID<…>) shell process exited with reason: an exception was raised:\n    ** (RuntimeError) boom")
        // The supervisor outlives its tasks.
        #expect(try await nodes.bar.run("Task.Supervisor.async({KV.RouterTasks, :\"foo@vm\"}, fn -> :still_here end) |> Task.await()") == ":still_here")
    }
}
