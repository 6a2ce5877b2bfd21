import Testing
@testable import Interpreter

/// `Agent`: one session's inputs in order, beside what Elixir 1.14's iex prints for each.
@Suite struct AgentModuleTests {
    static let steps: [(String, String)] = [
        ("{:ok, a} = Agent.start_link(fn -> [] end); is_pid(a)", "true"),
        ("Agent.update(a, fn list -> [1 | list] end)", ":ok"),
        ("Agent.get(a, fn list -> list end)", "[1]"),
        ("Agent.get_and_update(a, fn list -> {length(list), [2 | list]} end)", "1"),
        ("Agent.cast(a, fn list -> [3 | list] end)", ":ok"),
        ("Agent.get(a, & &1)", "[3, 2, 1]"),
        ("Agent.stop(a)", ":ok"),
        ("Process.alive?(a)", "false"),
        ("{:ok, _} = Agent.start_link(fn -> %{} end, name: :kv); :ok", ":ok"),
        ("Agent.update(:kv, &Map.put(&1, :x, 1))", ":ok"),
        ("Agent.get(:kv, &Map.get(&1, :x))", "1"),
        ("{:error, {:already_started, p}} = Agent.start_link(fn -> 0 end, name: :kv); p == Process.whereis(:kv)", "true"),
        ("Agent.stop(:kv)", ":ok"),
        ("{:ok, b} = Agent.start(fn -> 5 end); ref = make_ref(); send(b, {:\"$gen_call\", {self(), ref}, {:get, fn s -> s * 2 end}}); receive do {^ref, r} -> r end", "10"),
        ("send(b, {:\"$gen_cast\", {:cast, fn s -> s + 1 end}}); Agent.get(b, & &1)", "6"),
        ("Agent.stop(b); Process.alive?(b)", "false"),
        ("try do Agent.get(b, & &1) catch :exit, {reason, {mod, fun, _}} -> {reason, mod, fun} end", "{:noproc, GenServer, :call}"),
    ]

    @Test func matchesElixir() async throws {
        let s = Session()
        for (input, expected) in Self.steps {
            let printed = try await s.run(input)
            #expect(printed == expected, "\(input)")
        }
    }
}

