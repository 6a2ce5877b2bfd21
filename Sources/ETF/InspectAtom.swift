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
        for scalar in scalars.dropFirst() {
            guard scalar == "@" || scalar.properties.isXIDContinue else { return false }
            // A combining mark means the text is not in NFC with a precomposed form; Elixir
            // quotes such atoms (`:"á"` written as a + U+0301).
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return false
            default: break
            }
        }
        return true
    }

    /// Operators and special forms Elixir writes after a bare colon (`:+`, `:|>`, `:%{}`).
    static let unquotedOperators: Set<String> = [
        "+", "-", "*", "/", "**", "++", "--", "+++", "---", "..", "...", "..//", "<>",
        "==", "!=", "===", "!==", "=~", "<", ">", "<=", ">=", "&&", "&&&", "||", "|||",
        "!", "^", "&", "@", ".", "=", "|", "|>", "<<<", ">>>", "<<~", "~>>", "<~", "~>", "<~>",
        "<|>", "->", "<-", "\\\\", "%", "%{}", "{}", "<<>>", "when", "and", "or", "not", "in",
        "fn", "end", "do", "catch", "rescue", "after", "else",
    ]
}

extension Unicode.Scalar {
    var isASCIIIdentifierContinue: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "_"
    }
}
