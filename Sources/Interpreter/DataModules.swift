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
