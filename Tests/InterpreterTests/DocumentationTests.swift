import ETF
import Testing
@testable import Interpreter

/// `h` at the prompt, compared with what iex 1.14 prints when its output is not a terminal.
@Suite struct DocumentationTests {
    /// What `h <argument>` printed; its result is iex's result that the shell does not show.
    func help(_ argument: String, in session: Session = Session()) async throws -> String {
        #expect(try await session.run("h " + argument) == ":\"do not show this result in output\"")
        return try await session.output()
    }

    /// `text` centred as iex centres headings when it does not know the terminal's width.
    func centered(_ text: String) -> String {
        "\n" + String(repeating: " ", count: (80 + text.count) / 2 - text.count) + text + "\n\n"
    }

    /// The padding iex 1.14 printed before these headings.
    @Test func headingsAreCentredAsIExCentresThem() {
        #expect(Documentation.heading("def map(enumerable, fun)") == "\n" + String(repeating: " ", count: 28) + "def map(enumerable, fun)\n\n")
        #expect(Documentation.heading("def connect(node)") == "\n" + String(repeating: " ", count: 31) + "def connect(node)\n\n")
        #expect(Documentation.heading("def list()") == "\n" + String(repeating: " ", count: 35) + "def list()\n\n")
        #expect(Documentation.heading(":rpc.call/4") == "\n" + String(repeating: " ", count: 34) + ":rpc.call/4\n\n")
    }

    @Test func aFunctionWithArity() async throws {
        #expect(try await help("Enum.map/2") == centered("def map(enumerable, fun)") + """
              @spec map(t(), (element() -> any())) :: list()

            Calls `fun` on each element of `enumerable` and returns the results in a list.

            ## Examples

                iex> Enum.map([1, 2, 3], fn x -> x * 10 end)
                [10, 20, 30]


            """)
    }

    /// iex's `h` is a macro: `Enum.map/2` is not evaluated (it would call `Enum.map/0`).
    @Test func theArgumentIsNotCalled() async throws {
        let s = Session()
        let printed = try await help("IO.puts", in: s)
        #expect(printed.hasPrefix(centered("def puts(device \\\\ :stdio, item)")))
        #expect(try await help("Node.list/0", in: s).contains("def list()"))
    }

    @Test func theModuleMayBeAVariable() async throws {
        let s = Session()
        _ = try await s.run("m = Enum")
        #expect(try await help("m.map/2", in: s).contains("def map(enumerable, fun)"))
    }

    @Test func argumentsWithDefaultsCoverTheShorterArities() async throws {
        let one = try await help("Task.await/1")
        #expect(one.hasPrefix(centered("def await(task, timeout \\\\ 5000)") + "  @spec await(t(), timeout()) :: term()\n\n"))
        #expect(try await help("Task.await/2") == one)
        #expect(try await help("Map.get/2").contains("def get(map, key, default \\\\ nil)"))
    }

    @Test func allAritiesWithoutOne() async throws {
        let printed = try await help("Enum.reduce")
        // reduce/2 has no entry: iex's heading for an undocumented function, then reduce/3.
        #expect(printed.hasPrefix(centered("def reduce(arg1, arg2)") + centered("def reduce(enumerable, acc, fun)")))
    }

    @Test func anUndocumentedNativeFunctionShowsItsHeadingOnly() async throws {
        #expect(try await help("Enum.filter/2") == centered("def filter(arg1, arg2)"))
    }

    @Test func modules() async throws {
        let node = try await help("Node")
        #expect(node.hasPrefix(centered("Node")))
        #expect(node.hasSuffix("\n\n"))
        #expect(try await help("Keyword") == "No documentation for Keyword was found\n")
        #expect(try await help(":erlang") == ":erlang was not compiled with docs\n")
        #expect(try await help(":rpc").hasPrefix(centered(":rpc")))
    }

    @Test func unknownModulesAndFunctions() async throws {
        #expect(try await help("Enum.foo/2") == "No documentation for Enum.foo/2 was found\n")
        #expect(try await help("Enum.foo") == "No documentation for Enum.foo was found\n")
        #expect(try await help("Enum.map/9") == "No documentation for Enum.map/9 was found\n")
        #expect(try await help("Foo") == "Could not load module Foo, got: nofile\n")
        #expect(try await help("Foo.bar/1") == "Could not load module Foo, got: nofile\n")
        #expect(try await help("Foo.bar") == "Could not load module Foo, got: nofile\n")
        #expect(try await help(":foo.bar/1") == "Could not load module :foo, got: nofile\n")
        #expect(try await help("foo/1") == "No documentation for Kernel.foo/1 was found\n")
    }

    @Test func bareNamesAreKernels() async throws {
        let send = try await help("send/2")
        #expect(send.hasPrefix(centered("def send(dest, message)") + "  @spec send(dest :: Process.dest(), message) :: message when message: any()\n\n"))
        #expect(try await help("Kernel.send/2") == send)
        #expect(try await help("spawn/1").contains("def spawn(fun)"))
    }

    @Test func erlangFunctionsHeadWithTheirArity() async throws {
        #expect(try await help(":rpc.call/4").hasPrefix(centered(":rpc.call/4") + "  @spec call("))
    }

    @Test func modulesDefinedAtThePromptHaveNoDocs() async throws {
        let s = Session()
        _ = try await s.run("defmodule Hello do\n  def world, do: 1\nend")
        #expect(try await help("Hello", in: s) == "Hello was not compiled with docs\n")
        #expect(try await help("Hello.world/0", in: s) == "Hello was not compiled with docs\n")
    }

    @Test func somethingElse() async throws {
        #expect(try await help("3") == """
            The "h" helper expects a Module, Module.fun or Module.fun/arity, got: 3
            If instead of accessing documentation you would like more information about a value or about the result of an expression, use the "i" helper instead

            """)
    }

    @Test func helpWithoutArgumentsIsIExHelpers() async throws {
        let s = Session()
        #expect(try await s.run("h()") == ":\"do not show this result in output\"")
        let printed = try await s.output()
        #expect(printed.hasPrefix(centered("IEx.Helpers")))
        #expect(try await help("IEx.Helpers", in: s) == printed)
    }

    /// A module's own `h/1` wins over the helper inside that module.
    @Test func aModulesOwnH() async throws {
        let s = Session()
        _ = try await s.run("defmodule Own do\n  def h(x), do: {:own, x}\n  def run, do: h(1)\nend")
        #expect(try await s.run("Own.run()") == "{:own, 1}")
    }

    /// Every entry is about a function kvsh has, at one of the arities the entry covers.
    @Test func everyEntryDocumentsANativeFunction() {
        let natives = Dictionary(uniqueKeysWithValues: StandardLibrary.modules.map { ($0.name, $0) })
        for entry in Documentation.entries {
            let module = Atom(entry.module.hasPrefix(":") ? String(entry.module.dropFirst()) : "Elixir." + entry.module)
            let functions = natives[module]?.functions.keys.filter { $0.name == Atom(entry.name) } ?? []
            #expect(functions.contains { entry.arities.contains($0.arity) }, "\(entry.module).\(entry.name)/\(entry.arity)")
            #expect(entry.text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(entry.module).\(entry.name)")
        }
    }
}
