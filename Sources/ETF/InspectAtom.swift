/// How Elixir writes an atom: bare (`nil`, `Foo.Bar`), with a colon (`:foo`, `:+`) or quoted
/// (`:"foo@my-host"`), and as a keyword key (`foo:`, `"a b":`).
enum InspectAtom {
    /// The atom as a literal, the way `inspect/1` prints it.
    static func literal(_ text: String) -> String {
        switch text {
        case "nil", "true", "false": return text
        default: break
        }
        if let alias = aliasName(text) { return alias }
        if isBareIdentifier(text) || unquotedOperators.contains(text) { return ":" + text }
        return ":\"" + InspectEscape.escape(text, delimiter: "\"") + "\""
    }

    /// The atom as the key of a keyword list or atom-keyed map, colon included.
    static func keywordKey(_ text: String) -> String {
        if aliasName(text) == nil, isBareIdentifier(text) || unquotedOperators.contains(text) { return text + ":" }
        return "\"" + InspectEscape.escape(text, delimiter: "\"") + "\":"
    }

    /// Whether the atom may be a keyword key: modules (`Elixir.`-prefixed atoms) may not, so a
    /// list holding `{Foo, 1}` prints as tuples.
    static func isKeywordKey(_ text: String) -> Bool {
        !text.hasPrefix("Elixir.")
    }

    /// `Foo.Bar` for `:"Elixir.Foo.Bar"` when every segment is a valid alias, `Elixir` for itself.
    static func aliasName(_ text: String) -> String? {
        if text == "Elixir" { return text }
        guard text.hasPrefix("Elixir.") else { return nil }
        let rest = text.dropFirst("Elixir.".count)
        let segments = rest.split(separator: ".", omittingEmptySubsequences: false)
        for segment in segments {
            guard let first = segment.unicodeScalars.first, ("A"..."Z").contains(first) else { return nil }
            for scalar in segment.unicodeScalars.dropFirst() where !scalar.isASCIIIdentifierContinue {
                return nil
            }
        }
        return String(rest)
    }

    /// An identifier that needs no quotes after a colon: `foo`, `Foo`, `foo@bar`, `a?`, `héllo`.
    static func isBareIdentifier(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars
        guard let first = scalars.first, first == "_" || first.properties.isXIDStart else { return false }
        if let last = scalars.last, last == "?" || last == "!" {
            scalars = scalars.dropLast()
        }
        guard text.utf8.allSatisfy({ $0 < 0x80 }) || InspectIdentifier.isAllowed(scalars) else { return false }
        var previous = first
        for scalar in scalars.dropFirst() {
            guard scalar == "@" || scalar.properties.isXIDContinue else { return false }
            // A combining mark on a Latin, Greek or Cyrillic letter means the text is not in NFC
            // (`:"á"` written as a + U+0301), which Elixir quotes. Scripts such as Devanagari
            // write their vowel signs as marks in NFC, so those stay bare.
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                switch InspectIdentifier.script(of: previous.value) {
                case .latin?, .greek?, .cyrillic?: return false
                default: break
                }
            default: break
            }
            previous = scalar
        }
        return true
    }

    /// Operators and special forms Elixir writes after a bare colon (`:+`, `:|>`, `:%{}`).
    static let unquotedOperators: Set<String> = [
        "+", "-", "*", "/", "**", "++", "--", "+++", "---", "..", "...", "..//", "<>",
        "==", "!=", "===", "!==", "=~", "<", ">", "<=", ">=", "&&", "&&&", "||", "|||",
        "!", "^", "&", "@", ".", "=", "|", "|>", "<<<", ">>>", "<<~", "~>>", "<~", "~>", "<~>",
        "->", "<-", "\\\\", "%", "%{}", "{}", "<<>>",
    ]

    /// Operators a remote call writes bare (`&:erlang.+/2`, `&Kernel.::/2`); the special forms
    /// among the literal ones (`..`, `%{}`, `->`) need quotes there.
    static let remoteCallOperators: Set<String> = unquotedOperators
        .subtracting(["..", "...", "..//", ".", "->", "%", "%{}", "{}", "<<>>"])
        .union(["^^^", "::", "~~~", "<|>"])

    /// A function name in a remote call, `&Mod.name/arity`: a callable identifier (not
    /// capitalised, no `@`) or an operator is written bare, anything else in quotes.
    static func remoteCallName(_ text: String) -> String {
        if remoteCallOperators.contains(text) { return text }
        if isBareIdentifier(text), !text.unicodeScalars.contains("@"),
           let first = text.unicodeScalars.first, !first.properties.isUppercase,
           first.properties.generalCategory != .titlecaseLetter {
            return text
        }
        return "\"" + InspectEscape.escape(text, delimiter: "\"") + "\""
    }
}

extension Unicode.Scalar {
    var isASCIIIdentifierContinue: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "_"
    }
}
