import ETF
import NodeRuntime

/// Matching a value against a quoted pattern, binding variables into `env`.
/// A variable already bound earlier in the same pattern must match the same value; `^x` matches
/// x's current value; `_` and `_name` match anything.
extension Interpreter {
    func matchAll(_ patterns: [Term], _ values: [Term], _ env: inout Env) throws -> Bool {
        guard patterns.count == values.count else { return false }
        var boundHere = Set<String>()
        for (pattern, value) in zip(patterns, values) {
            guard try match(pattern, value, &env, &boundHere) else { return false }
        }
        return true
    }

    func match(_ pattern: Term, _ value: Term, _ env: inout Env) throws -> Bool {
        var boundHere = Set<String>()
        return try match(pattern, value, &env, &boundHere)
    }

    private func match(_ pattern: Term, _ value: Term, _ env: inout Env, _ bound: inout Set<String>) throws -> Bool {
        switch pattern {
        case .atom, .int, .bigInteger, .float, .binary, .bitstring, .emptyList:
            return pattern == value
        case .cons:
            return try matchList(pattern, value, &env, &bound)
        case .tuple(let parts) where parts.count == 2:
            guard case .tuple(let values) = value, values.count == 2 else { return false }
            return try match(parts[0], values[0], &env, &bound) && match(parts[1], values[1], &env, &bound)
        case .tuple(let parts) where parts.count == 3:
            return try matchForm(parts[0], parts[2], value, &env, &bound)
        default:
            return false
        }
    }

    private func matchList(_ pattern: Term, _ value: Term, _ env: inout Env, _ bound: inout Set<String>) throws -> Bool {
        var elements = pattern.properList ?? []
        var tailPattern = Term.emptyList
        if case .tuple(let last)? = elements.last, last.count == 3, last[0] == .atom("|"), let pair = last[2].properList, pair.count == 2 {
            elements[elements.count - 1] = pair[0]
            tailPattern = pair[1]
        }
        var current = value
        for element in elements {
            guard case .cons(let cell) = current else { return false }
            guard try match(element, cell.head, &env, &bound) else { return false }
            current = cell.tail
        }
        return try match(tailPattern, current, &env, &bound)
    }

    private func matchForm(
        _ head: Term, _ argsTerm: Term, _ value: Term, _ env: inout Env, _ bound: inout Set<String>
    ) throws -> Bool {
        if case .atom(let name) = head, case .atom = argsTerm {
            let text = name.text
            if text.hasPrefix("_") { return true }
            if bound.contains(text) { return env.variables[text] == value }
            bound.insert(text)
            env.variables[text] = value
            return true
        }
        let args = argsTerm.properList ?? []
        guard case .atom(let name) = head else {
            // A remote call in a pattern is only valid as a constant (`Mod` aliases are atoms, not calls).
            return false
        }
        switch name.text {
        case "^":
            guard case .tuple(let variable)? = args.first, case .atom(let pinned) = variable[0] else { return false }
            return try self.variable(pinned.text, env) == value
        case "=":
            guard args.count == 2 else { return false }
            return try match(args[0], value, &env, &bound) && match(args[1], value, &env, &bound)
        case "{}":
            guard case .tuple(let values) = value, values.count == args.count else { return false }
            for (p, v) in zip(args, values) { guard try match(p, v, &env, &bound) else { return false } }
            return true
        case "%{}":
            guard case .map(let map) = value else { return false }
            for entry in args {
                guard case .tuple(let pair) = entry, pair.count == 2 else { return false }
                let key = try constant(pair[0], env)
                guard let found = map[key], try match(pair[1], found, &env, &bound) else { return false }
            }
            return true
        case "%":
            guard args.count == 2, case .map(let map) = value else { return false }
            guard let structName = map[.atom("__struct__")], try match(args[0], structName, &env, &bound) else {
                return false
            }
            return try match(args[1], value, &env, &bound)
        case "__aliases__":
            return .atom(aliasAtom(args)) == value
        case "<>":
            guard args.count == 2, case .binary(let bytes) = value else { return false }
            guard case .binary(let prefix) = try constant(args[0], env), bytes.starts(with: prefix) else { return false }
            return try match(args[1], .binary(Array(bytes.dropFirst(prefix.count))), &env, &bound)
        case "<<>>":
            return try matchBinary(args, value, &env, &bound)
        case "-" where args.count == 1:
            if case .int(let n)? = args.first { return value == .int(-n) }
            if case .float(let x)? = args.first { return value == .float(-x) }
            return false
        default:
            return false
        }
    }

    private func matchBinary(_ segments: [Term], _ value: Term, _ env: inout Env, _ bound: inout Set<String>) throws -> Bool {
        guard case .binary(let bytes) = value else { return false }
        var offset = 0
        for (index, segment) in segments.enumerated() {
            var pattern = segment
            var type = "integer"
            var size: Int?
            if case .tuple(let spec) = segment, spec.count == 3, spec[0] == .atom("::"), let pieces = spec[2].properList, pieces.count == 2 {
                pattern = pieces[0]
                (type, size) = binarySpec(pieces[1])
            }
            if case .binary(let literal) = pattern {
                guard bytes[offset...].starts(with: literal) else { return false }
                offset += literal.count
                continue
            }
            let piece: Term
            if type == "binary" {
                let length = size ?? (index == segments.count - 1 ? bytes.count - offset : -1)
                guard length >= 0, offset + length <= bytes.count else { return false }
                piece = .binary(Array(bytes[offset..<offset + length]))
                offset += length
            } else {
                let bits = size ?? 8
                guard bits % 8 == 0, offset + bits / 8 <= bytes.count else { return false }
                var n = 0
                for byte in bytes[offset..<offset + bits / 8] { n = n << 8 | Int(byte) }
                offset += bits / 8
                piece = .int(n)
            }
            guard try match(pattern, piece, &env, &bound) else { return false }
        }
        return offset == bytes.count
    }

    /// The value of a pattern's fixed part: a literal, an alias or `^pinned`.
    func constant(_ quoted: Term, _ env: Env) throws -> Term {
        guard case .tuple(let parts) = quoted, parts.count == 3, case .atom(let name) = parts[0] else { return quoted }
        let args = parts[2].properList ?? []
        switch name.text {
        case "^":
            guard case .tuple(let variable)? = args.first, case .atom(let pinned) = variable[0] else { break }
            return try self.variable(pinned.text, env)
        case "__aliases__":
            return .atom(aliasAtom(args))
        case "{}":
            return .tuple(try args.map { try constant($0, env) })
        default:
            break
        }
        throw ElixirError.compile("invalid pattern: \(quoted.inspect())")
    }
}
