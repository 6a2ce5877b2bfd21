import ETF
import NodeRuntime

/// `Map`: maps with Erlang's key semantics.
enum MapModule {
    static func map(_ term: Term) throws -> TermMap {
        guard case .map(let map) = term else { throw ElixirError.badMap(term) }
        return map
    }

    static let module: NativeModule = {
        var m = NativeModule("Map")
        m.pure("new", 0) { _ in .map(TermMap()) }
        m.pure("new", 1) { args in .map(try pairs(Enumerable.elements(args[0]))) }
        m.process("new", 2) { context, args in
            var out = TermMap()
            for element in try Enumerable.elements(args[0]) {
                let pair = try await context.apply(args[1], [element])
                guard case .tuple(let kv) = pair, kv.count == 2 else { throw ElixirError.argument() }
                out[kv[0]] = kv[1]
            }
            return .map(out)
        }
        m.pure("get", 2, 3) { args in try map(args[0])[args[1]] ?? (args.count > 2 ? args[2] : .nil) }
        m.pure("put", 3) { args in
            var out = try map(args[0])
            out[args[1]] = args[2]
            return .map(out)
        }
        m.pure("fetch", 2) { args in
            guard let value = try map(args[0])[args[1]] else { return .error }
            return .tuple([.ok, value])
        }
        m.pure("fetch!", 2) { args in
            guard let value = try map(args[0])[args[1]] else { throw ElixirError.key(args[1], in: args[0]) }
            return value
        }
        m.pure("delete", 2) { args in
            var out = try map(args[0])
            out[args[1]] = nil
            return .map(out)
        }
        m.pure("keys", 1) { args in .list(try map(args[0]).sortedEntries.map(\.key)) }
        m.pure("values", 1) { args in .list(try map(args[0]).sortedEntries.map(\.value)) }
        m.pure("to_list", 1) { args in .list(try map(args[0]).sortedEntries.map { .tuple([$0.key, $0.value]) }) }
        m.pure("has_key?", 2) { args in .bool(try map(args[0])[args[1]] != nil) }
        m.pure("merge", 2) { args in
            var out = try map(args[0])
            for (key, value) in try map(args[1]).storage { out[key] = value }
            return .map(out)
        }
        m.process("merge", 3) { context, args in
            var out = try map(args[0])
            for (key, value) in try map(args[1]).sortedEntries {
                out[key] = if let old = out[key] { try await context.apply(args[2], [key, old, value]) } else { value }
            }
            return .map(out)
        }
        m.process("update", 4) { context, args in
            var out = try map(args[0])
            out[args[1]] = if let old = out[args[1]] { try await context.apply(args[3], [old]) } else { args[2] }
            return .map(out)
        }
        m.process("update!", 3) { context, args in
            var out = try map(args[0])
            guard let old = out[args[1]] else { throw ElixirError.key(args[1], in: args[0]) }
            out[args[1]] = try await context.apply(args[2], [old])
            return .map(out)
        }
        m.pure("from_struct", 1) { args in
            var out = try map(args[0])
            out[.atom("__struct__")] = nil
            return .map(out)
        }
        m.pure("drop", 2) { args in
            var out = try map(args[0])
            for key in try Enumerable.elements(args[1]) { out[key] = nil }
            return .map(out)
        }
        m.pure("take", 2) { args in
            let source = try map(args[0])
            var out = TermMap()
            for key in try Enumerable.elements(args[1]) { if let value = source[key] { out[key] = value } }
            return .map(out)
        }
        m.pure("split", 2) { args in
            let source = try map(args[0])
            var taken = TermMap(), rest = source
            for key in try Enumerable.elements(args[1]) {
                if let value = source[key] { taken[key] = value; rest[key] = nil }
            }
            return .tuple([.map(taken), .map(rest)])
        }
        m.pure("pop", 2, 3) { args in
            var out = try map(args[0])
            guard let value = out[args[1]] else { return .tuple([args.count > 2 ? args[2] : .nil, .map(out)]) }
            out[args[1]] = nil
            return .tuple([value, .map(out)])
        }
        m.process("get_and_update", 3) { context, args in
            var out = try map(args[0])
            let result = try await context.apply(args[2], [out[args[1]] ?? .nil])
            switch result {
            case .tuple(let parts) where parts.count == 2:
                out[args[1]] = parts[1]
                return .tuple([parts[0], .map(out)])
            case .atom(Atom("pop")):
                let old = out[args[1]] ?? .nil
                out[args[1]] = nil
                return .tuple([old, .map(out)])
            default:
                throw ElixirError.runtime("the given function must return a two-element tuple or :pop, got: \(result.inspect())")
            }
        }
        m.process("filter", 2) { context, args in
            var out = TermMap()
            for (key, value) in try map(args[0]).sortedEntries where try await context.apply(args[1], [.tuple([key, value])]).isTruthy {
                out[key] = value
            }
            return .map(out)
        }
        return m
    }()

    /// `{k, v}` pairs into a map; ArgumentError for anything else.
    static func pairs(_ elements: [Term]) throws -> TermMap {
        var out = TermMap()
        for element in elements {
            guard case .tuple(let kv) = element, kv.count == 2 else { throw ElixirError.argument() }
            out[kv[0]] = kv[1]
        }
        return out
    }
}
