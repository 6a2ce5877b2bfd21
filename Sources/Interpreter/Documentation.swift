import ETF

/// What `h Mod`, `h Mod.fun` and `h Mod.fun/arity` print: iex's layout (a heading centred in 80
/// columns, the `@spec`, then the text), with kvsh's own short texts for the functions the
/// guide uses. The native modules carry no docs of their own, so the texts live in this table.
enum Documentation {
    /// What the user asked about: the quoted argument of `h`, with its module evaluated.
    enum Request: Equatable {
        case module(Atom)
        case function(Atom, Atom, arity: Int?)
    }

    /// How a module is known on this node, which decides what `h` can say about it.
    enum ModuleKind {
        /// A native module, with the functions it has.
        case native(Set<FunctionKey>)
        /// Defined at the prompt with `defmodule`: iex has no docs for those either.
        case defined
        case missing
    }

    /// One documented function. Arguments with defaults cover several arities, as in iex:
    /// `h Task.await/1` shows `await(task, timeout \\ 5000)`.
    struct Entry {
        let module: String
        let name: String
        let arity: Int
        let defaults: Int
        /// The heading's argument list, as it would be written in `def`.
        let arguments: String
        let spec: String?
        let text: String

        var arities: ClosedRange<Int> { (arity - defaults)...arity }
    }

    // MARK: - Answering

    /// The text `h` prints for `request`.
    static func help(_ request: Request, kind: (Atom) -> ModuleKind) -> String {
        switch request {
        case .module(let module):
            switch kind(module) {
            case .missing: return "Could not load module \(moduleName(module)), got: nofile\n"
            case .defined: return "\(moduleName(module)) was not compiled with docs\n"
            case .native:
                if let text = moduleDocs[moduleName(module)] { return heading(moduleName(module)) + text + "\n\n" }
                if isErlang(module) { return "\(moduleName(module)) was not compiled with docs\n" }
                return "No documentation for \(moduleName(module)) was found\n"
            }
        case .function(let module, let name, let arity):
            let functions: Set<FunctionKey>
            switch kind(module) {
            case .missing: return "Could not load module \(moduleName(module)), got: nofile\n"
            case .defined: return "\(moduleName(module)) was not compiled with docs\n"
            case .native(let keys): functions = keys
            }
            let asked = "\(moduleName(module)).\(name.text)" + (arity.map { "/\($0)" } ?? "")
            let entries = documented(module, name)
            let shown = entries.filter { entry in arity.map(entry.arities.contains) ?? true }
            let undocumented = functions
                .filter { $0.name == name && (arity == nil || $0.arity == arity) }
                .filter { key in !entries.contains { $0.arities.contains(key.arity) } }
                .map(\.arity)
            let sections = shown.map { (arity: $0.arity, text: render($0, module)) }
                + undocumented.map { (arity: $0, text: renderUndocumented(module, name, arity: $0)) }
            guard !sections.isEmpty else { return "No documentation for \(asked) was found\n" }
            return sections.sorted { $0.arity < $1.arity }.map(\.text).joined()
        }
    }

    /// `Enum` for `Elixir.Enum`, `:rpc` for `rpc`: the module as iex writes it.
    static func moduleName(_ module: Atom) -> String {
        isErlang(module) ? ":" + module.text : String(module.text.dropFirst("Elixir.".count))
    }

    private static func isErlang(_ module: Atom) -> Bool { !module.text.hasPrefix("Elixir.") }

    private static func documented(_ module: Atom, _ name: Atom) -> [Entry] {
        table[moduleName(module) + "." + name.text] ?? []
    }

    // MARK: - Layout

    /// A blank line, `text` centred in iex's 80 columns, a blank line.
    static func heading(_ text: String) -> String {
        let padding = max(0, (80 + text.count) / 2 - text.count)
        return "\n" + String(repeating: " ", count: padding) + text + "\n\n"
    }

    /// Elixir functions head with `def name(args)`; Erlang ones with `:mod.name/arity`, as iex
    /// shows functions of modules whose docs are not Elixir's.
    private static func render(_ entry: Entry, _ module: Atom) -> String {
        let title = isErlang(module) ? "\(moduleName(module)).\(entry.name)/\(entry.arity)" : "def \(entry.name)(\(entry.arguments))"
        var text = heading(title)
        if let spec = entry.spec { text += "  @spec \(spec)\n\n" }
        return text + entry.text + "\n\n"
    }

    /// iex prints only the heading for a function without docs; the arguments of a native
    /// function have no names, so they are numbered, as iex numbers arguments that are patterns.
    private static func renderUndocumented(_ module: Atom, _ name: Atom, arity: Int) -> String {
        if isErlang(module) { return heading("\(moduleName(module)).\(name.text)/\(arity)") }
        let arguments = (0..<arity).map { "arg\($0 + 1)" }.joined(separator: ", ")
        return heading("def \(name.text)(\(arguments))")
    }

    // MARK: - The texts

    private static let table: [String: [Entry]] = Dictionary(grouping: entries) { "\($0.module).\($0.name)" }

    private static let moduleDocs: [String: String] = [
        "IEx.Helpers": """
            Welcome to kvsh, Interactive Elixir on a Swift runtime. These helpers work at
            the prompt:

              * `flush/0`        - flushes all messages sent to the shell
              * `h/0`            - prints this help message
              * `h/1`            - prints the documentation of a module or function
              * `i/1`            - prints information about the given term
              * `v/0`            - retrieves the last value from the history
              * `v/1`            - retrieves the nth value from the history

            Ask for documentation with `h Enum`, `h Enum.map` or `h Enum.map/2`.
            """,
        "Node": """
            Functions about nodes: the running system's own name, the nodes it is connected
            to, and spawning or monitoring across them.

            A node is named `name@host`; start kvsh with `--sname` or `--name` to give it
            one.
            """,
        "Process": """
            Functions for the processes of this node: messages, links, monitors, exits and
            registered names. `Kernel` imports the everyday ones, such as `spawn/1`,
            `send/2` and `self/0`.
            """,
        "Task": """
            Runs a function in a process of its own, to wait for its result later with
            `await/2`.

            A task started with `async/1` is linked to the caller and sends its result back
            in a message only the caller receives.
            """,
        "Agent": """
            A process that holds a state, read and changed through functions sent to it.
            """,
        "Enum": """
            Functions over enumerables: lists, maps (as `{key, value}` tuples) and ranges.
            Each one walks the whole collection and returns a list or a single value.
            """,
        "String": """
            Functions over UTF-8 encoded binaries, the strings written between double
            quotes.
            """,
        "Map": """
            Functions over maps, the key-value stores written as `%{key => value}`.
            """,
        "Kernel": """
            The functions and macros available everywhere without a module name: arithmetic,
            comparisons, `spawn/1`, `send/2`, `self/0` and the like.
            """,
        "IO": """
            Reading and writing through the group leader, the process that owns the
            terminal.
            """,
        "Code": """
            Evaluating code at run time, from strings or from quoted expressions.
            """,
        "Application": """
            The environment of applications: keys and values that configure them.
            """,
        ":rpc": """
            Remote procedure calls: runs a function on another node and gives back its
            result.
            """,
    ]

    static let entries: [Entry] = [
        // Node
        Entry(module: "Node", name: "spawn_link", arity: 2, defaults: 0, arguments: "node, fun",
              spec: "spawn_link(t(), (() -> any())) :: pid()", text: """
            Starts a process running `fun` on `node` and links it to the caller.

            If `node` cannot be reached, the new pid is still returned, and the link soon
            delivers a `:noconnection` exit to the caller.
            """),
        Entry(module: "Node", name: "list", arity: 0, defaults: 0, arguments: "",
              spec: "list() :: [t()]", text: """
            The nodes this node is connected to, not counting itself.
            """),
        Entry(module: "Node", name: "connect", arity: 1, defaults: 0, arguments: "node",
              spec: "connect(t()) :: boolean() | :ignored", text: """
            Connects to `node`, returning `true` once connected and `false` when it could
            not be reached. Returns `:ignored` when this node is not alive (started without
            a name).
            """),
        Entry(module: "Node", name: "ping", arity: 1, defaults: 0, arguments: "node",
              spec: "ping(t()) :: :pong | :pang", text: """
            Tries to connect to `node`: `:pong` when it answers, `:pang` when it does not.
            """),
        Entry(module: "Node", name: "monitor", arity: 2, defaults: 0, arguments: "node, flag",
              spec: "monitor(t(), boolean()) :: true", text: """
            Starts (`flag` true) or stops (`flag` false) watching the connection to `node`.
            When the connection goes down, the caller receives `{:nodedown, node}`.
            """),
        // Task
        Entry(module: "Task", name: "async", arity: 1, defaults: 0, arguments: "fun",
              spec: "async((() -> any())) :: t()", text: """
            Runs `fun` in a new process linked to the caller and returns a task to pass to
            `await/2`.

            ## Examples

                iex> task = Task.async(fn -> 1 + 41 end)
                iex> Task.await(task)
                42
            """),
        Entry(module: "Task", name: "await", arity: 2, defaults: 1, arguments: "task, timeout \\\\ 5000",
              spec: "await(t(), timeout()) :: term()", text: """
            Waits for the result of `task`, at most `timeout` milliseconds (or `:infinity`).

            When the time is up, the caller exits with `{:timeout, {Task, :await, [task,
            timeout]}}`. Only the process that started the task may await it.
            """),
        // Process
        Entry(module: "Process", name: "send", arity: 3, defaults: 0, arguments: "dest, msg, options",
              spec: "send(dest, msg, [option]) :: :ok | :noconnect | :nosuspend\n"
                + "        when dest: dest(), msg: any(), option: :noconnect | :nosuspend",
              text: """
            Sends `msg` to `dest`, a pid, a registered name or `{name, node}`, and returns
            `:ok`. With `:noconnect` among `options` it does not set up a connection to
            another node and returns `:noconnect` instead.
            """),
        Entry(module: "Process", name: "monitor", arity: 1, defaults: 0, arguments: "item",
              spec: "monitor(pid() | {name, node()} | name) :: reference() when name: atom()", text: """
            Watches `item` and returns a reference. When it ends, the caller receives
            `{:DOWN, ref, :process, object, reason}`, at once if it is already gone.
            """),
        Entry(module: "Process", name: "link", arity: 1, defaults: 0, arguments: "pid_or_port",
              spec: "link(pid() | port()) :: true", text: """
            Links the caller and `pid_or_port`: when one of them exits abnormally, the other
            is sent the same exit signal.
            """),
        Entry(module: "Process", name: "exit", arity: 2, defaults: 0, arguments: "pid, reason",
              spec: "exit(pid(), term()) :: true", text: """
            Sends the exit signal `reason` to `pid`. `:normal` leaves a process alone unless
            it is the caller; `:kill` ends it even if it traps exits.
            """),
        Entry(module: "Process", name: "register", arity: 2, defaults: 0, arguments: "pid_or_port, name",
              spec: "register(pid() | port(), atom()) :: true", text: """
            Gives `pid_or_port` the name `name` on this node, so messages can be sent to the
            name. Raises `ArgumentError` when the name is taken or the process is not alive.
            """),
        // Enum
        Entry(module: "Enum", name: "map", arity: 2, defaults: 0, arguments: "enumerable, fun",
              spec: "map(t(), (element() -> any())) :: list()", text: """
            Calls `fun` on each element of `enumerable` and returns the results in a list.

            ## Examples

                iex> Enum.map([1, 2, 3], fn x -> x * 10 end)
                [10, 20, 30]
            """),
        Entry(module: "Enum", name: "reduce", arity: 3, defaults: 0, arguments: "enumerable, acc, fun",
              spec: "reduce(t(), acc(), (element(), acc() -> acc())) :: acc()", text: """
            Folds `enumerable` into one value: `fun` gets each element and the accumulator,
            starting from `acc`, and returns the next accumulator.

            ## Examples

                iex> Enum.reduce([1, 2, 3], 10, fn x, sum -> x + sum end)
                16
            """),
        // String
        Entry(module: "String", name: "split", arity: 3, defaults: 1, arguments: "string, pattern, options \\\\ []",
              spec: "split(t(), pattern() | Regex.t(), keyword()) :: [t()]", text: """
            Cuts `string` at each occurrence of `pattern` (a string or a list of strings)
            and returns the pieces. `trim: true` in `options` leaves out empty pieces.

            ## Examples

                iex> String.split("a,b,,c", ",")
                ["a", "b", "", "c"]
            """),
        // Map
        Entry(module: "Map", name: "get", arity: 3, defaults: 1, arguments: "map, key, default \\\\ nil",
              spec: "get(map(), key(), value()) :: value()", text: """
            The value stored under `key` in `map`, or `default` when there is none.

            ## Examples

                iex> Map.get(%{a: 1}, :b, 0)
                0
            """),
        // Kernel
        Entry(module: "Kernel", name: "send", arity: 2, defaults: 0, arguments: "dest, message",
              spec: "send(dest :: Process.dest(), message) :: message when message: any()", text: """
            Sends `message` to `dest` (a pid, a registered name or `{name, node}`) and
            returns the message. Sending never blocks and never fails, even if nobody
            receives it.
            """),
        Entry(module: "Kernel", name: "spawn", arity: 1, defaults: 0, arguments: "fun",
              spec: "spawn((() -> any())) :: pid()", text: """
            Starts a new process running `fun` and returns its pid. The process ends when
            `fun` returns.
            """),
        Entry(module: "Kernel", name: "spawn_link", arity: 1, defaults: 0, arguments: "fun",
              spec: "spawn_link((() -> any())) :: pid()", text: """
            Starts a new process running `fun`, linked to the caller, and returns its pid.
            If it fails, the caller receives the exit signal too.
            """),
        // IO
        Entry(module: "IO", name: "puts", arity: 2, defaults: 1, arguments: "device \\\\ :stdio, item",
              spec: nil, text: """
            Writes `item` and a newline to `device`, by default the group leader, and
            returns `:ok`.
            """),
        // Agent
        Entry(module: "Agent", name: "start_link", arity: 2, defaults: 1, arguments: "fun, options \\\\ []",
              spec: "start_link((() -> term()), GenServer.options()) :: on_start()", text: """
            Starts an agent linked to the caller, its state the result of `fun`. Returns
            `{:ok, pid}`; the `:name` option registers it.

            ## Examples

                iex> {:ok, agent} = Agent.start_link(fn -> [] end)
            """),
        Entry(module: "Agent", name: "get", arity: 3, defaults: 1, arguments: "agent, fun, timeout \\\\ 5000",
              spec: "get(agent(), (state() -> a), timeout()) :: a when a: var", text: """
            Calls `fun` with the agent's state in the agent's process and returns its
            result; the state is unchanged.
            """),
        Entry(module: "Agent", name: "update", arity: 3, defaults: 1, arguments: "agent, fun, timeout \\\\ 5000",
              spec: "update(agent(), (state() -> state()), timeout()) :: :ok", text: """
            Replaces the agent's state with the result of `fun` called on it, and returns
            `:ok` once that is done.
            """),
        // Code
        Entry(module: "Code", name: "eval_quoted", arity: 3, defaults: 2,
              arguments: "quoted, binding \\\\ [], env_or_opts \\\\ []", spec: nil, text: """
            Evaluates a quoted expression with the variables in `binding` and returns
            `{value, binding}`, the binding including the variables the code bound.
            """),
        // Application
        Entry(module: "Application", name: "put_env", arity: 4, defaults: 1, arguments: "app, key, value, opts \\\\ []",
              spec: nil, text: """
            Sets `key` to `value` in the environment of `app`, for `Application.get_env/3`
            to read back.
            """),
        // :rpc
        Entry(module: ":rpc", name: "call", arity: 4, defaults: 0, arguments: "node, module, function, args",
              spec: "call(node(), module(), atom(), [term()]) :: term() | {:badrpc, term()}", text: """
            Runs `apply(module, function, args)` on `node` and returns the result, or
            `{:badrpc, reason}` when the node cannot be reached or the call fails.
            """),
    ]
}
