import ETF

/// One piece of a string-like literal: literal bytes, or the tokens of a `#{...}` interpolation.
enum Segment: Sendable {
    case text([UInt8])
    case interpolation([Token], line: Int)
}

/// A lexical token with the position Elixir reports for it (1-based line and column, columns
/// counted in Unicode scalars) and whether whitespace separates it from its neighbours, which
/// decides `foo (1)` versus `foo(1)`, `foo [1]` versus `foo[1]` and `foo -1` versus `foo - 1`.
struct Token: Sendable {
    enum Kind: Sendable {
        case integer(Term)
        case float(Double)
        case atom(Atom)
        case interpolatedAtom([Segment])
        case string([Segment])
        case heredoc([Segment])
        case charlist([Segment])
        case sigil(name: String, parts: [Segment], modifiers: [UInt8], delimiter: String, indentation: Int?)
        case identifier(String)
        case alias(String)
        /// `key:` in a keyword list; `true:`, `do:` and `Foo:` included.
        case keyword(Atom)
        /// `"quoted key": ` in a keyword list.
        case quotedKeyword([Segment])
        /// `&1`, the capture placeholder.
        case captureInt(Int)
        /// Operators, punctuation and brackets: `+`, `not in`, `(`, `%{`, `,`, `;` …
        case op(String)
        /// `do`, `end`, `fn`, `else`, `after`, `catch`, `rescue`.
        case reserved(String)
        case eol
        case eof
    }

    var kind: Kind
    var line: Int
    var column: Int
    var spaceBefore: Bool
    var spaceAfter: Bool = false
    /// A line break Elixir ignored comes right before this token (before `do`, `->`, `|>` …).
    var newlineBefore: Bool = false
    /// The source text, for numbers and identifiers in error messages.
    var text: String = ""

    func isOp(_ symbol: String) -> Bool {
        if case .op(let s) = kind { return s == symbol }
        return false
    }

    func isReserved(_ word: String) -> Bool {
        if case .reserved(let w) = kind { return w == word }
        return false
    }

    var isEOF: Bool {
        if case .eof = kind { return true }
        return false
    }

    var isEOL: Bool {
        if case .eol = kind { return true }
        if case .op(";") = kind { return true }
        return false
    }
}

/// Binary operators: precedence (higher binds tighter) and whether they associate to the right.
/// The numbers are Elixir's documented operator table.
enum Operators {
    static let binary: [String: (precedence: Int, right: Bool)] = [
        "<-": (40, false), "\\\\": (40, false),
        "when": (50, true),
        "::": (60, true),
        "|": (70, true),
        "=>": (80, true),
        "=": (100, true),
        "||": (120, false), "|||": (120, false), "or": (120, false),
        "&&": (130, false), "&&&": (130, false), "and": (130, false),
        "==": (140, false), "!=": (140, false), "=~": (140, false), "===": (140, false), "!==": (140, false),
        "<": (150, false), ">": (150, false), "<=": (150, false), ">=": (150, false),
        "|>": (160, false), "<<<": (160, false), ">>>": (160, false), "<<~": (160, false), "~>>": (160, false),
        "<~": (160, false), "~>": (160, false), "<~>": (160, false), "<|>": (160, false),
        "in": (170, false), "not in": (170, false),
        "^^^": (180, false),
        "//": (190, true),
        "++": (200, true), "--": (200, true), "+++": (200, true), "---": (200, true), "<>": (200, true),
        "..": (200, true),
        "+": (210, false), "-": (210, false),
        "*": (220, false), "/": (220, false),
        "**": (230, false),
    ]

    static let unaryPrecedence = 300
    static let capturePrecedence = 90

    /// Every operator symbol the lexer knows, longest first so the longest match wins.
    static let symbols: [String] = [
        "===", "!==", "...", "<<<", ">>>", "<<~", "~>>", "<~>", "<|>", "^^^", "~~~", "&&&", "|||", "+++", "---",
        "\\\\", "==", "!=", "=~", "<=", ">=", "&&", "||", "|>", "<~", "~>", "++", "--", "**", "..", "<>", "<-",
        "->", "::", "=>", "<<", ">>", "//",
        "=", "<", ">", "|", "+", "-", "*", "/", "^", "!", "&", "@", ".", ",", ";", "(", ")", "[", "]", "{", "}", "%",
    ]

    /// `symbols` as bytes, indexed by their first byte, longest first.
    static let symbolsByFirstByte: [[[UInt8]]] = {
        var table = Array(repeating: [[UInt8]](), count: 256)
        for symbol in symbols {
            let bytes = Array(symbol.utf8)
            table[Int(bytes[0])].append(bytes)
        }
        return table
    }()

    static let atomableLongestFirst: [String] = atomable.sorted { $0.utf8.count > $1.utf8.count }

    /// Operators that may be written as atoms: `:+`, `:<>`, `:|>` …
    static let atomable: Set<String> = [
        "===", "!==", "...", "<<<", ">>>", "<<~", "~>>", "<~>", "<|>", "^^^", "~~~", "&&&", "|||", "+++", "---",
        "\\\\", "==", "!=", "=~", "<=", ">=", "&&", "||", "|>", "<~", "~>", "++", "--", "**", "..", "<>", "<-",
        "->", "::", "//", "=", "<", ">", "|", "+", "-", "*", "/", "^", "!", "&", "@", ".", "%", "<<>>", "{}",
        "%{}", "..//",
    ]
}
