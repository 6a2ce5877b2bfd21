import ETF
import KV
import ElixirSyntax
import NodeRuntime
import Synchronization
import Testing
@testable import Interpreter

/// A shell fed one input at a time, as a prompt would: what it printed, and what the result looked like.
final class Session: Sendable {
    final class Printed: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    let shell: Shell
    let printed = Printed()

    /// - Parameter kv: also start the node's `:kv` application (`KV.Registry`, `KV.RouterTasks`).
    init(node: LocalNode = LocalNode(scheduler: testScheduler), kv: Bool = false) {
        let printed = self.printed
        let application = kv ? try? KVApplication.start(on: node) : nil
        shell = Shell(interpreter: Interpreter(node: node, kv: application)) { bytes in printed.bytes.withLock { $0 += bytes } }
    }

    /// The result as iex shows it, or the error lines.
    func run(_ source: String) async throws -> String {
        guard case .complete(let quoted) = try ElixirParser.parse(source) else { return "(incomplete)" }
        switch await shell.evaluate(quoted) {
        case .value(let value): return value.inspect(shell.interpreter.inspectOptions(InspectOptions(pretty: true)))
        case .error(let text), .restarted(let text): return text
        }
    }

    /// Output written through the group leader since the last call.
    func output() async throws -> String {
        // Output travels through the group leader process; IO calls wait for its reply, so it is there.
        printed.bytes.withLock { bytes in
            defer { bytes.removeAll() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

let testScheduler = Scheduler(threads: 2)

@Suite struct SessionTests {
    @Test func bindingsPersistAndRebind() async throws {
        let s = Session()
        #expect(try await s.run("x = 1") == "1")
        #expect(try await s.run("x = x + 1") == "2")
        #expect(try await s.run("{a, [b | c]} = {x, [1, 2, 3]}") == "{2, [1, 2, 3]}")
        #expect(try await s.run("{a, b, c}") == "{2, 1, [2, 3]}")
        #expect(try await s.run("^a = 3") == "** (MatchError) no match of right hand side value: 3")
    }

    @Test func theGuidesHelloModule() async throws {
        let s = Session()
        let defined = try await s.run("""
        defmodule Hello do
          def world, do: IO.puts "hello world"
        end
        """)
        #expect(defined.hasPrefix("{:module, Hello, "))
        #expect(try await s.run("Hello.world") == ":ok")
        #expect(try await s.output() == "hello world\n")
        #expect(try await s.run("Nope.world") == "** (UndefinedFunctionError) function Nope.world/0 is undefined (module Nope is not available)\n    Nope.world()")
    }

    @Test func tasksAsyncAwait() async throws {
        let s = Session()
        _ = try await s.run("task = Task.async(fn -> 1 + 41 end)")
        #expect(try await s.run("Task.await(task)") == "42")
    }

    @Test func sendFlushAndReceiveAfter() async throws {
        let s = Session()
        let me = try await s.run("send self(), :ping")
        #expect(me == ":ping")
        #expect(try await s.run("flush()") == ":ok")
        #expect(try await s.output() == ":ping\n")
        #expect(try await s.run("receive do\n  :x -> 1\nafter\n  10 -> :timeout\nend") == ":timeout")
    }

    @Test func spawnedProcessesTalkBack() async throws {
        let s = Session()
        _ = try await s.run("""
        pid = spawn fn ->
          receive do
            {:ping, client} -> send client, :pong
          end
        end
        """)
        _ = try await s.run("send pid, {:ping, self()}")
        #expect(try await s.run("receive do m -> m after 2000 -> :none end") == ":pong")
    }

    @Test func errorsPrintAsIexPrintsThem() async throws {
        let s = Session()
        #expect(try await s.run("raise \"boom\"") == "** (RuntimeError) boom")
        #expect(try await s.run("1 / 0") == "** (ArithmeticError) bad argument in arithmetic expression: 1 / 0")
        #expect(try await s.run("case 1 do 2 -> 3 end") == "** (CaseClauseError) no case clause matching: 1")
        #expect(try await s.run("throw :foo") == "** (throw) :foo")
        #expect(try await s.run("exit(:bar)") == "** (exit) :bar")
        #expect(try await s.run("undefined_var") == "** (CompileError) iex:1: undefined function undefined_var/0 (there is no such import)")
    }

    @Test func functionsWithClausesGuardsAndRecursion() async throws {
        let s = Session()
        _ = try await s.run("""
        defmodule M do
          def fact(0), do: 1
          def fact(n) when n > 0, do: n * fact(n - 1)
          def sum([]), do: 0
          def sum([h | t]), do: h + sum(t)
          def greet(name \\\\ "world"), do: "hello " <> name
        end
        """)
        #expect(try await s.run("M.fact(25)") == "15511210043330985984000000")
        #expect(try await s.run("M.sum(Enum.to_list(1..1000))") == "500500")
        #expect(try await s.run("M.greet") == "\"hello world\"")
        #expect(try await s.run("M.fact(-1)") == "** (FunctionClauseError) no function clause matching in M.fact/1")
        #expect(try await s.run("f = fn x when is_integer(x) -> x * 2; _ -> :other end") .hasPrefix("#Function<"))
        #expect(try await s.run("{f.(2), f.(:a)}") == "{4, :other}")
        #expect(try await s.run("[1, 2, 3] |> Enum.map(&(&1 * 10)) |> Enum.sum()") == "60")
    }

    @Test func killingTheShellProcessStartsANewOne() async throws {
        let s = Session()
        _ = try await s.run("x = 1")
        let killed = try await s.run("Process.exit(self(), :kill)")
        #expect(killed.hasPrefix("** (EXIT from #PID<0."))
        #expect(killed.hasSuffix(">) shell process exited with reason: killed"))
        #expect(try await s.run("x").contains("undefined function x/0"))
        #expect(try await s.run("1 + 1") == "2")
    }
}

@Suite struct RecursionTests {
    @Test func bodyRecursionOneHundredThousandDeep() async throws {
        let s = Session()
        _ = try await s.run("""
        defmodule Deep do
          def count(0), do: 0
          def count(n), do: 1 + count(n - 1)
        end
        """)
        #expect(try await s.run("Deep.count(100_000)") == "100000")
    }
}

@Suite struct UnboundedRecursionTests {
    @Test func endsInAnErrorAndTheShellGoesOn() async throws {
        let s = Session()
        _ = try await s.run("defmodule Forever do\n  def go(n), do: 1 + go(n + 1)\nend")
        let result = try await s.run("Forever.go(0)")
        #expect(result.hasPrefix("** (SystemLimitError) a system limit has been reached"))
        #expect(try await s.run("1 + 1") == "2")
    }

    @Test func tailRecursionRunsInConstantDepth() async throws {
        let s = Session()
        _ = try await s.run("defmodule Loop do\n  def go(0, acc), do: acc\n  def go(n, acc), do: go(n - 1, acc + 1)\nend")
        #expect(try await s.run("Loop.go(300_000, 0)") == "300000")
    }
}

@Suite struct InterruptTests {
    @Test func interruptStopsALoopAndTheShellGoesOn() async throws {
        let s = Session()
        _ = try await s.run("defmodule Spin do\n  def go(n), do: go(n + 1)\nend")
        async let stuck = s.run("Spin.go(0)")
        try await Task.sleep(for: .milliseconds(200))
        await s.shell.interrupt()
        #expect(try await stuck.hasSuffix("shell process exited with reason: killed"))
        #expect(try await s.run("1 + 1") == "2")
    }
}

@Suite struct HelperTests {
    @Test func historyValues() async throws {
        let s = Session()
        _ = try await s.run("10")
        _ = try await s.run("20")
        #expect(try await s.run("v()") == "20")
        #expect(try await s.run("v(1)") == "10")
        #expect(try await s.run("v(-2)") == "20")
    }

    @Test func infoAndHelpPrint() async throws {
        let s = Session()
        #expect(try await s.run("i(1)") == ":ok")
        #expect(try await s.output() == "Term\n  1\nData type\n  Integer\n")
        #expect(try await s.run("h()") == ":\"do not show this result in output\"")
        #expect(try await s.output().contains("v/1"))
    }
}
