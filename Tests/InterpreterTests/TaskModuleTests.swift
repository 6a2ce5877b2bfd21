import ETF
import Testing
@testable import Interpreter

/// `Task` and `GenServer` in one shell: inputs in order, beside what Elixir 1.14's iex prints
/// (pids and references, which differ, are matched by shape).
@Suite struct TaskModuleTests {
    static let noproc = "no process: the process is not alive or there's no process currently associated with the given name, possibly because its application isn't started"

    static let steps: [(String, String)] = [
        ("Task.async(fn -> 1 + 1 end) |> Task.await()", "2"),
        ("t = Task.async(Kernel, :node, []); t.mfa", "{Kernel, :node, 0}"),
        ("Task.await(t)", ":nonode@nohost"),
        ("Task.async(fn -> 1 end).mfa", "{:erlang, :apply, 2}"),
        ("Task.await_many([Task.async(fn -> 1 end), Task.async(fn -> 2 end)])", "[1, 2]"),
        ("Task.yield(Task.async(fn -> :done end))", "{:ok, :done}"),
        // Never answers: a reply late enough to land after the flush below would be counted.
        ("Task.yield(Task.async(fn -> Process.sleep(:infinity) end), 10)", "nil"),
        ("t = Task.async(fn -> Process.get(:\"$callers\") == [Process.get(:owner)] end); Process.put(:owner, self()); :ok", ":ok"),
        ("Task.async(fn -> Process.get(:\"$callers\") end) |> Task.await() == [self()]", "true"),
        ("Task.async(fn -> Process.get(:\"$initial_call\") end) |> Task.await()", "{:erlang, :apply, 2}"),
        ("Task.async(Process, :get, [:\"$initial_call\"]) |> Task.await()", "{Process, :get, 1}"),
        // Unawaited tasks leave their replies and :DOWNs; a timed-out await leaves nothing.
        // On one line: on a loaded machine the task could end before a separate await began.
        ("flush(); slow = Task.async(fn -> Process.sleep(1000); :late end); try do Task.await(slow, 10) catch :exit, {reason, {Task, :await, [task, 10]}} -> {reason, task == slow} end", "{:timeout, true}"),
        ("Process.sleep(1200); Process.info(self(), :message_queue_len)", "{:message_queue_len, 0}"),
        ("{:ok, agent} = Agent.start(fn -> 0 end); :ok", ":ok"),
        ("GenServer.call(:nope, :hi)",
         "** (exit) exited in: GenServer.call(:nope, :hi, 5000)\n    ** (EXIT) \(noproc)"),
        ("GenServer.call(self(), :hi)",
         "** (exit) exited in: GenServer.call(\(Self.pidPattern), :hi, 5000)\n    ** (EXIT) process attempted to call itself"),
        ("GenServer.whereis(:nope)", "nil"),
        ("GenServer.whereis({:nope, :zz@vm})", "{:nope, :zz@vm}"),
        ("GenServer.cast(:nope, 1)", ":ok"),
        ("GenServer.reply({self(), :tag}, 5); receive do {:tag, _} = m -> m end", "{:tag, 5}"),
        ("GenServer.call(42, :x)", "** (FunctionClauseError) no function clause matching in GenServer.whereis/1"),
        ("Task.await(:foo)", "** (FunctionClauseError) no function clause matching in Task.await/2"),
        ("Task.async(fn -> Process.sleep(5000) end) |> Task.await(10)",
         "** (exit) exited in: Task.await(%Task{mfa: {:erlang, :apply, 2}, owner: \(Self.pidPattern), pid: \(Self.pidPattern), ref: \(Self.refPattern)}, 10)\n    ** (EXIT) time out"),
        ("Task.await_many([Task.async(fn -> Process.sleep(5000) end)], 10)",
         "** (exit) exited in: Task.await_many([%Task{mfa: {:erlang, :apply, 2}, owner: \(Self.pidPattern), pid: \(Self.pidPattern), ref: \(Self.refPattern)}], 10)\n    ** (EXIT) time out"),
        ("exit({:shutdown, 1})", "** (exit) shutdown: 1"),
        ("exit({{:nodedown, :zz@vm}, {Task, :await, [1, 5000]}})",
         "** (exit) exited in: Task.await(1, 5000)\n    ** (EXIT) no connection to zz@vm"),
    ]

    static let pidPattern = "#PID<…>"
    static let refPattern = "#Reference<…>"

    /// `text` with every pid and reference replaced by the patterns above.
    static func shape(_ text: String) -> String {
        var result = text
        for (open, pattern) in [("#PID<", pidPattern), ("#Reference<", refPattern)] {
            var searchFrom = result.startIndex
            while let start = result.range(of: open, range: searchFrom..<result.endIndex),
                  let end = result[start.upperBound...].firstIndex(of: ">") {
                result.replaceSubrange(start.lowerBound...end, with: pattern)
                searchFrom = result.index(start.lowerBound, offsetBy: pattern.count)
            }
        }
        return result
    }

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.steps {
            let printed = Self.shape(try await s.run(input))
            #expect(printed == expected, "\(input)")
        }
    }

    @Test func onlyTheOwnerMayAwait() async throws {
        let s = Session()
        _ = try await s.run("t = Task.async(fn -> 1 end)")
        let printed = try await s.run("""
        parent = self()
        spawn(fn -> send(parent, try do Task.await(t) rescue e in ArgumentError -> e.message end) end)
        receive do m when is_binary(m) -> m end
        """)
        #expect(Self.shape(printed) == "\"task %Task{mfa: {:erlang, :apply, 2}, owner: #PID<…>, pid: #PID<…>, ref: #Reference<…>} must be queried from the owner but was queried from #PID<…>\"")
    }

    @Test func aCrashingTaskTakesItsOwnerDown() async throws {
        let s = Session()
        let printed = try await s.run("Task.async(fn -> raise \"boom\" end) |> Task.await()")
        #expect(Self.shape(printed) == "** (EXIT from #PID<…>) shell process exited with reason: an exception was raised:\n    ** (RuntimeError) boom")
    }

    @Test func anUnlinkedTaskThatExitsIsReportedByYield() async throws {
        let s = Session()
        _ = try await s.run("{:ok, sup} = Task.Supervisor.start_link()")
        let yielded = try await s.run("Task.Supervisor.async_nolink(sup, Kernel, :exit, [:bye]) |> Task.yield()")
        #expect(yielded == "{:exit, :bye}")
        #expect(try await s.run("Task.Supervisor.async_nolink(sup, fn -> exit(:bye) end) |> Task.await()")
            .hasSuffix("    ** (EXIT) :bye"))
    }
}
