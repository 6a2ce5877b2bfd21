import ETF
import NodeRuntime

/// `String`: the UTF-8 binary functions, counting graphemes as Swift's `Character`s.
enum StringModule {
    static let module: NativeModule = {
        var m = NativeModule("String")
        m.pure("length", 1) { args in .int(try args[0].string().count) }
        m.pure("upcase", 1) { args in .string(try args[0].string().uppercased()) }
        m.pure("downcase", 1) { args in .string(try args[0].string().lowercased()) }
        m.pure("reverse", 1) { args in .string(String(try args[0].string().reversed())) }
        m.pure("trim", 1) { args in .string(try args[0].string().trimmingWhitespace()) }
        m.pure("split", 1) { args in
            .list(try args[0].string().split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
        }
        m.pure("split", 2) { args in
            let text = try args[0].string()
            let separators = try patterns(args[1])
            return .list(split(text, separators).map { .string($0) })
        }
        m.pure("split", 3) { args in
            let options = try KeywordModule.pairs(args[2])
            let trim = options.contains { $0.0 == .atom("trim") && $0.1.isTruthy }
            let limit = options.first { $0.0 == .atom("parts") }.flatMap { if case .int(let n) = $0.1 { n } else { nil } }
            var parts = split(try args[0].string(), try patterns(args[1]))
            if let limit, limit > 0, parts.count > limit {
                let separator = try patterns(args[1]).first ?? ""
                parts = Array(parts[..<(limit - 1)]) + [parts[(limit - 1)...].joined(separator: separator)]
            }
            if trim { parts.removeAll { $0.isEmpty } }
            return .list(parts.map { .string($0) })
        }
        m.pure("replace_prefix", 3) { args in
            let text = try args[0].string(), prefix = try args[1].string()
            return .string(text.hasPrefix(prefix) ? (try args[2].string()) + text.dropFirst(prefix.count) : text)
        }
        m.pure("replace_suffix", 3) { args in
            let text = try args[0].string(), suffix = try args[1].string()
            return .string(text.hasSuffix(suffix) ? String(text.dropLast(suffix.count)) + (try args[2].string()) : text)
        }
        m.pure("to_float", 1) { args in
            let text = try args[0].string()
            guard text.contains("."), let value = Double(text) else { throw ElixirError.argument() }
            return .float(value)
        }
        m.pure("contains?", 2) { args in
            let text = try args[0].string()
            return .bool(try patterns(args[1]).contains { $0.isEmpty || text.utf8Contains($0) })
        }
        m.pure("starts_with?", 2) { args in
            let bytes = try bytes(args[0])
            return .bool(try patterns(args[1]).contains { bytes.starts(with: Array($0.utf8)) })
        }
        m.pure("ends_with?", 2) { args in
            let bytes = try bytes(args[0])
            return .bool(try patterns(args[1]).contains { bytes.reversed().starts(with: Array($0.utf8).reversed()) })
        }
        m.pure("replace", 3) { args in
            let text = try args[0].string()
            let separators = try patterns(args[1])
            let replacement = try args[2].string()
            if separators.contains("") {
                return .string(replacement + text.map { String($0) + replacement }.joined())
            }
            return .string(split(text, separators).joined(separator: replacement))
        }
        m.pure("to_integer", 1, 2) { args in
            let base = args.count > 1 ? try args[1].int() : 10
            guard (2...36).contains(base) else { throw ElixirError.argument() }
            guard let value = BigIntDecimal.parse(utf8: try bytes(args[0]), radix: base) else {
                throw ElixirError.argument("errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n")
            }
            return .integer(value)
        }
        m.pure("to_atom", 1) { args in .atom(try Atom.intern(try args[0].string())) }
        m.pure("duplicate", 2) { args in
            let count = try args[1].int()
            guard count >= 0 else { throw ElixirError.argument() }
            return .string(String(repeating: try args[0].string(), count: count))
        }
        m.pure("slice", 3) { args in
            let characters = Array(try args[0].string())
            var start = try args[1].int()
            let length = try args[2].int()
            guard length >= 0 else { throw ElixirError.functionClause(Atom("Elixir.String"), Atom("slice"), arity: 3) }
            if start < 0 { start += characters.count }
            guard start >= 0, start <= characters.count else { return .string("") }
            return .string(String(characters[start..<min(characters.count, start + length)]))
        }
        m.pure("first", 1) { args in
            guard let first = try args[0].string().first else { return .nil }
            return .string(String(first))
        }
        m.pure("last", 1) { args in
            guard let last = try args[0].string().last else { return .nil }
            return .string(String(last))
        }
        m.pure("at", 2) { args in
            let characters = Array(try args[0].string())
            var index = try args[1].int()
            if index < 0 { index += characters.count }
            return characters.indices.contains(index) ? .string(String(characters[index])) : .nil
        }
        m.pure("graphemes", 1) { args in .list(try args[0].string().map { .string(String($0)) }) }
        m.pure("codepoints", 1) { args in .list(try args[0].string().unicodeScalars.map { .string(String($0)) }) }
        m.pure("to_charlist", 1) { args in .list(try args[0].string().unicodeScalars.map { .int(Int($0.value)) }) }
        m.pure("capitalize", 1) { args in
            let text = try args[0].string()
            guard let first = text.first else { return .string("") }
            return .string(String(first).uppercased() + text.dropFirst().lowercased())
        }
        m.pure("pad_leading", 2, 3) { args in try pad(args, leading: true) }
        m.pure("pad_trailing", 2, 3) { args in try pad(args, leading: false) }
        return requiringBinary(m)
    }()

    /// Every `String` function takes a binary first: anything else matches none of Elixir's clauses.
    static func requiringBinary(_ module: NativeModule) -> NativeModule {
        var out = NativeModule("String")
        for (key, function) in module.functions {
            guard case .pure(let body) = function else { continue }
            out.pure(key.name.text, key.arity) { args in
                guard case .binary = args[0] else { throw ElixirError.functionClause(Atom("Elixir.String"), key.name, arity: key.arity) }
                return try body(args)
            }
        }
        return out
    }

    static func bytes(_ term: Term) throws -> [UInt8] {
        guard case .binary(let bytes) = term else { throw ElixirError.argument() }
        return bytes
    }

    /// A pattern argument: one string or a list of them.
    static func patterns(_ term: Term) throws -> [String] {
        if let list = term.properList { return try list.map { try $0.string() } }
        return [try term.string()]
    }

    /// Splits on the leftmost (then longest) match of any separator, by bytes as the BEAM does.
    static func split(_ text: String, _ separators: [String]) -> [String] {
        let bytes = Array(text.utf8)
        let patterns = separators.map { Array($0.utf8) }.filter { !$0.isEmpty }
        if separators.contains("") && patterns.isEmpty {
            return [""] + text.map { String($0) } + [""]
        }
        var parts: [String] = []
        var start = 0, index = 0
        while index < bytes.count {
            let matched = patterns.filter { index + $0.count <= bytes.count && Array(bytes[index..<index + $0.count]) == $0 }
                .max { $0.count < $1.count }
            if let matched {
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += matched.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(String(decoding: bytes[start...], as: UTF8.self))
        return parts
    }

    static func pad(_ args: [Term], leading: Bool) throws -> Term {
        let text = try args[0].string()
        let width = try args[1].int()
        let padding = args.count > 2 ? try args[2].string() : " "
        guard width >= 0, !padding.isEmpty else { throw ElixirError.argument() }
        let missing = width - text.count
        guard missing > 0 else { return .string(text) }
        let unit = Array(padding)
        let fill = String((0..<missing).map { unit[$0 % unit.count] })
        return .string(leading ? fill + text : text + fill)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    func utf8Contains(_ needle: String) -> Bool {
        let haystack = Array(utf8), pattern = Array(needle.utf8)
        guard pattern.count <= haystack.count else { return false }
        return (0...(haystack.count - pattern.count)).contains { Array(haystack[$0..<$0 + pattern.count]) == pattern }
    }
}
