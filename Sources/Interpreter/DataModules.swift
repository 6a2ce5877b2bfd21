import ETF
import NodeRuntime

/// `Enum`: the functions the guide and a first exploration reach for.
enum EnumModule {
    static let module: NativeModule = {
        var m = NativeModule("Enum")
        m.process("map", 2) { context, args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) { out.append(try await context.apply(args[1], [element])) }
            return .list(out)
        }
        m.process("each", 2) { context, args in
            for element in try Enumerable.elements(args[0]) { _ = try await context.apply(args[1], [element]) }
            return .ok
        }
        m.process("filter", 2) { context, args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) where try await context.apply(args[1], [element]).isTruthy {
                out.append(element)
            }
            return .list(out)
        }
        m.process("find", 2, 3) { context, args in
            let (enumerable, fun) = args.count == 3 ? (args[0], args[2]) : (args[0], args[1])
            for element in try Enumerable.elements(enumerable) where try await context.apply(fun, [element]).isTruthy {
                return element
            }
            return args.count == 3 ? args[1] : .nil
        }
        m.process("reduce", 3) { context, args in
            var accumulator = args[1]
            for element in try Enumerable.elements(args[0]) { accumulator = try await context.apply(args[2], [element, accumulator]) }
            return accumulator
        }
        m.process("reduce", 2) { context, args in
            var elements = try Enumerable.elements(args[0])[...]
            guard var accumulator = elements.popFirst() else { throw ElixirError.exception("Enum.EmptyError", [("message", .string("empty error"))]) }
            for element in elements { accumulator = try await context.apply(args[1], [element, accumulator]) }
            return accumulator
        }
        m.pure("sum", 1) { args in try Enumerable.elements(args[0]).reduce(Term.int(0)) { try Arithmetic.add($0, $1) } }
        m.pure("count", 1) { .int(try Enumerable.elements($0[0]).count) }
        m.pure("to_list", 1) { .list(try Enumerable.elements($0[0])) }
        m.pure("reverse", 1) { .list(try Enumerable.elements($0[0]).reversed()) }
        m.pure("sort", 1) { .list(try Enumerable.elements($0[0]).sorted { Term.compare($0, $1) < 0 }) }
        m.pure("member?", 2) { args in .bool(try Enumerable.elements(args[0]).contains(args[1])) }
        m.pure("empty?", 1) { .bool(try Enumerable.elements($0[0]).isEmpty) }
        m.pure("at", 2) { args in
            let elements = try Enumerable.elements(args[0])
            let index = try args[1].int()
            return elements.indices.contains(index) ? elements[index] : .nil
        }
        m.pure("join", 1, 2) { args in
            let separator = args.count > 1 ? try args[1].string() : ""
            return .string(try Enumerable.elements(args[0]).map(KernelModule.text).joined(separator: separator))
        }
        m.pure("with_index", 1) { args in
            .list(try Enumerable.elements(args[0]).enumerated().map { .tuple([$0.element, .int($0.offset)]) })
        }
        m.pure("zip", 2) { args in
            .list(zip(try Enumerable.elements(args[0]), try Enumerable.elements(args[1])).map { .tuple([$0, $1]) })
        }
        m.pure("take", 2) { args in .list(Array(try Enumerable.elements(args[0]).prefix(max(try args[1].int(), 0)))) }
        m.pure("max", 1) { args in
            guard let best = try Enumerable.elements(args[0]).max(by: { Term.compare($0, $1) < 0 }) else { throw ElixirError.exception("Enum.EmptyError", [("message", .string("empty error"))]) }
            return best
        }
        m.pure("min", 1) { args in
            guard let best = try Enumerable.elements(args[0]).min(by: { Term.compare($0, $1) < 0 }) else { throw ElixirError.exception("Enum.EmptyError", [("message", .string("empty error"))]) }
            return best
        }
        addCollectionFunctions(&m)
        return m
    }()
}

/// `:erlang`: the BIFs the guide's code calls by their Erlang names.
enum ErlangModule {
    static let module: NativeModule = {
        var m = NativeModule(":erlang")
        for (name, arity) in [("+", 2), ("-", 2), ("*", 2), ("/", 2), ("div", 2), ("rem", 2), ("element", 2), ("tuple_size", 1),
                              ("length", 1), ("hd", 1), ("tl", 1), ("abs", 1), ("byte_size", 1), ("node", 1), ("is_atom", 1)] {
            guard case .pure(let body)? = KernelModule.module.functions[FunctionKey(Atom(name == "element" ? "elem" : name), arity)] else { continue }
            m.pure(name, arity) { args in
                // `:erlang.element/2` counts from 1 and takes the index first.
                name == "element" ? try body([args[1], .int((try args[0].int()) - 1)]) : try body(args)
            }
        }
        m.process("self", 0) { context, _ in .pid(context.process.pid) }
        m.process("node", 0) { context, _ in .atom(context.node.name) }
        NodeModule.addErlangFunctions(&m)
        m.pure("binary_to_atom", 1, 2) { args in .atom(try Atom.intern(try args[0].string())) }
        m.pure("atom_to_binary", 1, 2) { args in .string(try args[0].atom().text) }
        m.pure("integer_to_binary", 1) { args in .string(args[0].inspect()) }
        m.pure("list_to_atom", 1) { args in .atom(try Atom.intern(String(decoding: try IOData.bytes(args[0]), as: UTF8.self))) }
        m.pure("first", 1) { args in
            guard case .binary(let bytes) = args[0], let first = bytes.first else { throw ElixirError.argument() }
            return .int(Int(first))
        }
        return m
    }()
}

// MARK: - More of Enum

extension EnumModule {
    static func empty() -> ElixirError { ElixirError.exception("Enum.EmptyError", [("message", .string("empty error"))]) }

    /// A stable merge sort whose comparison may call back into Elixir: `before(a, b)` as Elixir's sorter funs.
    static func sorted(_ elements: [Term], _ before: (Term, Term) async throws -> Bool) async throws -> [Term] {
        guard elements.count > 1 else { return elements }
        let left = try await sorted(Array(elements[..<(elements.count / 2)]), before)
        let right = try await sorted(Array(elements[(elements.count / 2)...]), before)
        var out: [Term] = [], i = 0, j = 0
        while i < left.count, j < right.count {
            if try await before(left[i], right[j]) { out.append(left[i]); i += 1 } else { out.append(right[j]); j += 1 }
        }
        return out + left[i...] + right[j...]
    }

    /// `:asc`, `:desc` or a two-argument fun, as `Enum.sort/2` takes.
    static func sorter(_ term: Term, _ context: CallContext) -> (Term, Term) async throws -> Bool {
        switch term {
        case .atom(Atom("asc")): { Term.compare($0, $1) <= 0 }
        case .atom(Atom("desc")): { Term.compare($0, $1) >= 0 }
        default: { try await context.apply(term, [$0, $1]).isTruthy }
        }
    }

    /// Elements split at `count` (from the end when negative), as `Enum.split/2`.
    static func splitAt(_ elements: [Term], _ count: Int) -> ([Term], [Term]) {
        let index = count >= 0 ? min(count, elements.count) : max(0, elements.count + count)
        return (Array(elements[..<index]), Array(elements[index...]))
    }

    static func addCollectionFunctions(_ m: inout NativeModule) {
        m.pure("into", 2) { args in
            let elements = try Enumerable.elements(args[0])
            switch args[1] {
            case .map(var map):
                for (key, value) in try MapModule.pairs(elements).storage { map[key] = value }
                return .map(map)
            default:
                return .list(try args[1].list() + elements)
            }
        }
        m.process("flat_map", 2) { context, args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) { out += try Enumerable.elements(try await context.apply(args[1], [element])) }
            return .list(out)
        }
        m.process("sort", 2) { context, args in .list(try await sorted(try Enumerable.elements(args[0]), sorter(args[1], context))) }
        m.process("sort_by", 2, 3) { context, args in
            var keyed: [Term] = []
            for element in try Enumerable.elements(args[0]) { keyed.append(.tuple([try await context.apply(args[1], [element]), element])) }
            let before = sorter(args.count > 2 ? args[2] : .atom("asc"), context)
            let result = try await sorted(keyed) { a, b in
                guard case .tuple(let x) = a, case .tuple(let y) = b else { return true }
                return try await before(x[0], y[0])
            }
            return .list(result.map { if case .tuple(let pair) = $0 { pair[1] } else { $0 } })
        }
        m.process("group_by", 2, 3) { context, args in
            var groups: [Term: [Term]] = [:]
            for element in try Enumerable.elements(args[0]) {
                let key = try await context.apply(args[1], [element])
                let value = args.count > 2 ? try await context.apply(args[2], [element]) : element
                groups[key, default: []].append(value)
            }
            return .map(TermMap(groups.mapValues { Term.list($0) }))
        }
        m.pure("uniq", 1) { args in
            var seen = Set<Term>()
            return .list(try Enumerable.elements(args[0]).filter { seen.insert($0).inserted })
        }
        m.process("uniq_by", 2) { context, args in
            var seen = Set<Term>(), out: [Term] = []
            for element in try Enumerable.elements(args[0]) where seen.insert(try await context.apply(args[1], [element])).inserted {
                out.append(element)
            }
            return .list(out)
        }
        m.process("any?", 1, 2) { context, args in
            for element in try Enumerable.elements(args[0]) {
                if try await (args.count > 1 ? context.apply(args[1], [element]) : element).isTruthy { return .true }
            }
            return .false
        }
        m.process("all?", 1, 2) { context, args in
            for element in try Enumerable.elements(args[0]) {
                if try await !(args.count > 1 ? context.apply(args[1], [element]) : element).isTruthy { return .false }
            }
            return .true
        }
        m.process("count", 2) { context, args in
            var count = 0
            for element in try Enumerable.elements(args[0]) where try await context.apply(args[1], [element]).isTruthy { count += 1 }
            return .int(count)
        }
        m.process("reject", 2) { context, args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) where try await !context.apply(args[1], [element]).isTruthy {
                out.append(element)
            }
            return .list(out)
        }
        m.pure("split", 2) { args in
            let (a, b) = splitAt(try Enumerable.elements(args[0]), try args[1].int())
            return .tuple([.list(a), .list(b)])
        }
        m.pure("take", 2) { args in
            let elements = try Enumerable.elements(args[0]), count = try args[1].int()
            let (a, b) = splitAt(elements, count)
            return .list(count >= 0 ? a : b)
        }
        m.pure("drop", 2) { args in
            let elements = try Enumerable.elements(args[0]), count = try args[1].int()
            let (a, b) = splitAt(elements, count)
            return .list(count >= 0 ? b : a)
        }
        m.process("take_while", 2) { context, args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) {
                guard try await context.apply(args[1], [element]).isTruthy else { break }
                out.append(element)
            }
            return .list(out)
        }
        m.process("drop_while", 2) { context, args in
            var elements = try Enumerable.elements(args[0])[...]
            while let first = elements.first, try await context.apply(args[1], [first]).isTruthy { elements = elements.dropFirst() }
            return .list(Array(elements))
        }
        m.process("find_index", 2) { context, args in
            for (index, element) in try Enumerable.elements(args[0]).enumerated() where try await context.apply(args[1], [element]).isTruthy {
                return .int(index)
            }
            return .nil
        }
        m.pure("chunk_every", 2, 3, 4) { args in
            let elements = try Enumerable.elements(args[0])
            let count = try args[1].int()
            let step = args.count > 2 ? try args[2].int() : count
            guard count > 0, step > 0 else { throw ElixirError.functionClause(Atom("Elixir.Enum"), Atom("chunk_every"), arity: 4) }
            let leftover: [Term]? = args.count > 3 ? (args[3] == .atom("discard") ? nil : try args[3].list()) : []
            var chunks: [Term] = [], start = 0
            while start < elements.count {
                var chunk = Array(elements[start..<min(start + count, elements.count)])
                if chunk.count < count {
                    guard let leftover else { break }
                    chunk += leftover.prefix(count - chunk.count)
                    chunks.append(.list(chunk))
                    break
                }
                chunks.append(.list(chunk))
                if start + count >= elements.count { break }
                start += step
            }
            return .list(chunks)
        }
        m.process("chunk_by", 2) { context, args in
            var chunks: [[Term]] = [], lastKey: Term?
            for element in try Enumerable.elements(args[0]) {
                let key = try await context.apply(args[1], [element])
                if let lastKey, lastKey == key { chunks[chunks.count - 1].append(element) } else { chunks.append([element]) }
                lastKey = key
            }
            return .list(chunks.map { Term.list($0) })
        }
        m.pure("frequencies", 1) { args in
            var counts: [Term: Int] = [:]
            for element in try Enumerable.elements(args[0]) { counts[element, default: 0] += 1 }
            return .map(TermMap(counts.mapValues(Term.int)))
        }
        for (name, wantsLess) in [("min_by", true), ("max_by", false)] {
            m.process(name, 2) { context, args in
                var best: (key: Term, element: Term)?
                for element in try Enumerable.elements(args[0]) {
                    let key = try await context.apply(args[1], [element])
                    let order = best.map { Term.compare(key, $0.key) } ?? 0
                    if best == nil || (wantsLess ? order < 0 : order > 0) { best = (key, element) }
                }
                guard let best else { throw empty() }
                return best.element
            }
        }
        m.pure("min_max", 1) { args in
            let elements = try Enumerable.elements(args[0])
            guard let low = elements.min(by: { Term.compare($0, $1) < 0 }), let high = elements.max(by: { Term.compare($0, $1) < 0 }) else { throw empty() }
            return .tuple([low, high])
        }
        m.process("reduce_while", 3) { context, args in
            var accumulator = args[1]
            for element in try Enumerable.elements(args[0]) {
                let step = try await context.apply(args[2], [element, accumulator])
                guard case .tuple(let parts) = step, parts.count == 2 else { throw ElixirError.caseClause(step) }
                accumulator = parts[1]
                if parts[0] == .atom("halt") { break }
            }
            return accumulator
        }
        m.process("with_index", 2) { context, args in
            let elements = try Enumerable.elements(args[0])
            if case .fun = args[1] {
                var out: [Term] = []
                for (index, element) in elements.enumerated() { out.append(try await context.apply(args[1], [element, .int(index)])) }
                return .list(out)
            }
            let offset = try args[1].int()
            return .list(elements.enumerated().map { .tuple([$0.element, .int($0.offset + offset)]) })
        }
        m.pure("concat", 1) { args in .list(try Enumerable.elements(args[0]).flatMap { try Enumerable.elements($0) }) }
        m.pure("concat", 2) { args in .list(try Enumerable.elements(args[0]) + Enumerable.elements(args[1])) }
        m.pure("slice", 2, 3) { args in
            let elements = try Enumerable.elements(args[0])
            var start: Int, length: Int
            if args.count == 3 {
                start = try args[1].int()
                length = try args[2].int()
                if start < 0 { start += elements.count }
            } else {
                guard case .map(let range) = args[1], case .int(var first)? = range[.atom("first")], case .int(var last)? = range[.atom("last")] else {
                    throw ElixirError.argument()
                }
                if first < 0 { first += elements.count }
                if last < 0 { last += elements.count }
                start = first
                length = last - first + 1
            }
            guard start >= 0, start < elements.count, length > 0 else { return .emptyList }
            return .list(Array(elements[start..<min(elements.count, start + length)]))
        }
        m.pure("dedup", 1) { args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) where out.last != element { out.append(element) }
            return .list(out)
        }
        m.process("map_join", 3) { context, args in
            var parts: [String] = []
            for element in try Enumerable.elements(args[0]) { parts.append(try KernelModule.text(try await context.apply(args[2], [element]))) }
            return .string(parts.joined(separator: try args[1].string()))
        }
        m.pure("product", 1) { args in try Enumerable.elements(args[0]).reduce(Term.int(1)) { try Arithmetic.multiply($0, $1) } }
        m.process("split_with", 2) { context, args in
            var yes: [Term] = [], no: [Term] = []
            for element in try Enumerable.elements(args[0]) {
                if try await context.apply(args[1], [element]).isTruthy { yes.append(element) } else { no.append(element) }
            }
            return .tuple([.list(yes), .list(no)])
        }
        m.pure("unzip", 1) { args in
            var a: [Term] = [], b: [Term] = []
            for element in try Enumerable.elements(args[0]) {
                guard case .tuple(let pair) = element, pair.count == 2 else { throw ElixirError.argument() }
                a.append(pair[0]); b.append(pair[1])
            }
            return .tuple([.list(a), .list(b)])
        }
        m.pure("fetch", 2) { args in
            let elements = try Enumerable.elements(args[0])
            var index = try args[1].int()
            if index < 0 { index += elements.count }
            return elements.indices.contains(index) ? .tuple([.ok, elements[index]]) : .error
        }
        m.pure("fetch!", 2) { args in
            let elements = try Enumerable.elements(args[0])
            var index = try args[1].int()
            if index < 0 { index += elements.count }
            guard elements.indices.contains(index) else {
                throw ElixirError.exception("Enum.OutOfBoundsError", [("message", .string("out of bounds error"))])
            }
            return elements[index]
        }
        m.process("map_reduce", 3) { context, args in
            var accumulator = args[1], out: [Term] = []
            for element in try Enumerable.elements(args[0]) {
                let step = try await context.apply(args[2], [element, accumulator])
                guard case .tuple(let parts) = step, parts.count == 2 else { throw ElixirError.match(step) }
                out.append(parts[0])
                accumulator = parts[1]
            }
            return .tuple([.list(out), accumulator])
        }
        m.process("scan", 2) { context, args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) {
                if let last = out.last { out.append(try await context.apply(args[1], [element, last])) } else { out.append(element) }
            }
            return .list(out)
        }
        m.pure("intersperse", 2) { args in
            var out: [Term] = []
            for element in try Enumerable.elements(args[0]) {
                if !out.isEmpty { out.append(args[1]) }
                out.append(element)
            }
            return .list(out)
        }
    }
}
