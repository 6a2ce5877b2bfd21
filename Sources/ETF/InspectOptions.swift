/// How `Term.inspect(_:)` prints: Elixir's `Inspect.Opts`, with the fields a shell needs.
///
/// The defaults are those of `Kernel.inspect/2` (one line, 50 items per container, 4096
/// characters per string); `InspectOptions.iex(colors:)` gives what iex 1.14 uses for results.
public struct InspectOptions: Sendable {
    /// How charlists print: `'abc'` when every element is printable ASCII, or always as lists.
    public enum Charlists: Sendable { case infer, asLists }

    /// Columns for pretty printing; ignored unless `pretty`.
    public var width: Int = 80
    /// Items shown per list, tuple, map or binary before `...`; `nil` shows all (`:infinity`).
    public var limit: Int? = 50
    /// Characters (code points) of a string, or elements of a charlist, shown before
    /// `" <> ..."` / `' ++ ...'`; `nil` shows all.
    public var printableLimit: Int? = 4096
    /// Break containers over lines at `width`; when false everything is one line.
    public var pretty: Bool = false
    /// Wrap atoms, numbers, strings and delimiters in `syntaxColors`' escape codes.
    public var colors: Bool = false
    public var syntaxColors: SyntaxColors = .iex
    public var charlists: Charlists = .infer
    /// The node number printed in `#PID<N.id.serial>`: 0 for the local node, else the slot the
    /// runtime gave the pid's node (as the BEAM numbers remote nodes in its own table).
    public var pidNodeNumber: @Sendable (Pid) -> Int = { _ in 0 }
    /// Likewise for `#Reference<N.…>`.
    public var referenceNodeNumber: @Sendable (Reference) -> Int = { _ in 0 }
    /// Likewise for `#Port<N.id>`.
    public var portNodeNumber: @Sendable (Port) -> Int = { _ in 0 }
    /// The fields of the structs the shell knows, in definition order, as `__info__(:struct)`
    /// gives them. A map whose `__struct__` names a module not known here prints as a plain
    /// map, as Elixir does for a struct whose module is not loaded. An exception's fields
    /// include `__exception__`, which must be present but is not printed.
    public var structFields: @Sendable (Atom) -> [Atom]? = InspectOptions.standardStructFields
    /// Deeper nesting than this prints `...`, so a pathological term cannot exhaust the stack.
    /// Elixir has no such cap, but with a finite `limit` (which each level decrements) output
    /// stops nesting after `limit` levels anyway; the cap only shows with `limit` nil.
    public var maxDepth: Int = 400

    public init(
        width: Int = 80, limit: Int? = 50, printableLimit: Int? = 4096, pretty: Bool = false,
        colors: Bool = false, charlists: Charlists = .infer
    ) {
        self.width = width
        self.limit = limit
        self.printableLimit = printableLimit
        self.pretty = pretty
        self.colors = colors
        self.charlists = charlists
    }

    /// What iex 1.14 uses to print an evaluation's result: pretty, with its syntax colours when
    /// the terminal has them (`Term.inspectAsIExResult(_:)` adds iex's result colour around).
    /// - Parameter terminalColumns: the terminal's width; iex prints at most 80 columns wide,
    ///   narrower when the terminal is, and 80 when output is not a terminal (`nil`).
    public static func iex(colors: Bool, terminalColumns: Int? = nil) -> InspectOptions {
        InspectOptions(width: min(terminalColumns ?? 80, 80), pretty: true, colors: colors)
    }

    /// Structs known without a module table: those of the standard library a shell commonly
    /// meets. (Ranges, map sets and calendar types have their own forms and need no entry.)
    public static let standardStructFields: @Sendable (Atom) -> [Atom]? = { module in
        switch module.text {
        case "Elixir.Task": ["mfa", "owner", "pid", "ref"].map { Atom($0) }
        case "Elixir.URI": ["scheme", "authority", "userinfo", "host", "port", "path", "query", "fragment"].map { Atom($0) }
        case "Elixir.Version": ["major", "minor", "patch", "pre", "build"].map { Atom($0) }
        case "Elixir.RuntimeError", "Elixir.ArgumentError": ["__exception__", "message"].map { Atom($0) }
        default: nil
        }
    }
}

/// ANSI escape codes for each kind of syntax, as in `Inspect.Opts`' `:syntax_colors`.
public struct SyntaxColors: Sendable {
    public var atom: String
    public var binary: String
    public var boolean: String
    public var charlist: String
    public var list: String
    public var map: String
    public var `nil`: String
    public var number: String
    public var string: String
    public var tuple: String
    /// Printed after every coloured piece; iex's goes back to its yellow result colour.
    public var reset: String

    /// iex 1.14's palette on a colour terminal.
    public static let iex = SyntaxColors(
        atom: "\u{1B}[36m", binary: "\u{1B}[39m", boolean: "\u{1B}[35m", charlist: "\u{1B}[33m",
        list: "\u{1B}[39m", map: "\u{1B}[39m", nil: "\u{1B}[35m", number: "\u{1B}[33m",
        string: "\u{1B}[32m", tuple: "\u{1B}[39m", reset: "\u{1B}[0m\u{1B}[33m"
    )
}
