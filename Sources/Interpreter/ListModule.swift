import ETF
import NodeRuntime

/// `List`, `Keyword`, `Tuple`, `Integer` and `Atom`: the small data modules.
enum ListModule {
    static let module: NativeModule = {
        var m = NativeModule("List")
        m.pure("first", 1, 2) { args in try args[0].list().first ?? (args.count > 1 ? args[1] : .nil) }
        m.pure("last", 1, 2) { args in try args[0].list().last ?? (args.count > 1 ? args[1] : .nil) }
        m.pure("flatten", 1) { args in .list(try flatten(args[0])) }
        m.pure("wrap", 1) { args in
            if args[0] == .nil { return .emptyList }
            return args[0].isList ? args[0] : .list([args[0]])
        }
        m.pure("duplicate", 2) { args in .list(Array(repeating: args[0], count: max(0, try args[1].int()))) }
        m.pure("delete", 2) { args in
            var elements = try args[0].list()
            if let index = elements.firstIndex(of: args[1]) { elements.remove(at: index) }
            return .list(elements)
        }
        m.pure("insert_at", 3) { args in
            var elements = try args[0].list()
            var index = try args[1].int()
            if index < 0 { index += elements.count + 1 }
            elements.insert(args[2], at: min(max(index, 0), elements.count))
            return .list(elements)
        }
        m.pure("delete_at", 2) { args in
            var elements = try args[0].list()
            var index = try args[1].int()
            if index < 0 { index += elements.count }
            if elements.indices.contains(index) { elements.remove(at: index) }
            return .list(elements)
        }
        m.pure("replace_at", 3) { args in
            var elements = try args[0].list()
            var index = try args[1].int()
            if index < 0 { index += elements.count }
            if elements.indices.contains(index) { elements[index] = args[2] }
            return .list(elements)
        }
        m.pure("zip", 1) { args in
            let lists = try args[0].list().map { try $0.list() }
            guard let shortest = lists.map(\.count).min() else { return .emptyList }
            return .list((0..<shortest).map { index in .tuple(lists.map { $0[index] }) })
        }
        m.pure("to_tuple", 1) { args in .tuple(try args[0].list()) }
        m.process("foldl", 3) { context, args in
            var accumulator = args[1]
            for element in try args[0].list() { accumulator = try await context.apply(args[2], [element, accumulator]) }
            return accumulator
        }
        m.process("foldr", 3) { context, args in
            var accumulator = args[1]
            for element in try args[0].list().reversed() { accumulator = try await context.apply(args[2], [element, accumulator]) }
            return accumulator
        }
        m.pure("keyfind", 3, 4) { args in
            let position = try args[2].int()
            for element in try args[0].list() {
                if case .tuple(let parts) = element, parts.indices.contains(position), parts[position] == args[1] { return element }
            }
            return args.count > 3 ? args[3] : .nil
        }
        return m
    }()

    static func flatten(_ term: Term) throws -> [Term] {
        try term.list().flatMap { $0.isList ? try flatten($0) : [$0] }
    }
}

enum KeywordModule {
    static func pairs(_ term: Term) throws -> [(Term, Term)] {
        try term.list().map {
            guard case .tuple(let kv) = $0, kv.count == 2 else { throw ElixirError.argument() }
            return (kv[0], kv[1])
        }
    }

    static let module: NativeModule = {
        var m = NativeModule("Keyword")
        m.pure("get", 2, 3) { args in try pairs(args[0]).first { $0.0 == args[1] }?.1 ?? (args.count > 2 ? args[2] : .nil) }
        m.pure("put", 3) { args in
            .list([.tuple([args[1], args[2]])] + (try pairs(args[0]).filter { $0.0 != args[1] }.map { .tuple([$0.0, $0.1]) }))
        }
        m.pure("keys", 1) { args in .list(try pairs(args[0]).map(\.0)) }
        m.pure("values", 1) { args in .list(try pairs(args[0]).map(\.1)) }
        m.pure("delete", 2) { args in .list(try pairs(args[0]).filter { $0.0 != args[1] }.map { .tuple([$0.0, $0.1]) }) }
        m.pure("has_key?", 2) { args in .bool(try pairs(args[0]).contains { $0.0 == args[1] }) }
        m.pure("fetch", 2) { args in
            guard let value = try pairs(args[0]).first(where: { $0.0 == args[1] })?.1 else { return .error }
            return .tuple([.ok, value])
        }
        m.pure("fetch!", 2) { args in
            guard let value = try pairs(args[0]).first(where: { $0.0 == args[1] })?.1 else { throw ElixirError.key(args[1], in: args[0]) }
            return value
        }
        return m
    }()
}

enum TupleModule {
    static func tuple(_ term: Term) throws -> [Term] {
        guard case .tuple(let elements) = term else {
            throw ElixirError.argument("errors were found at the given arguments:\n\n  * 1st argument: not a tuple\n")
        }
        return elements
    }

    static let module: NativeModule = {
        var m = NativeModule("Tuple")
        m.pure("to_list", 1) { args in .list(try tuple(args[0])) }
        m.pure("append", 2) { args in .tuple(try tuple(args[0]) + [args[1]]) }
        m.pure("duplicate", 2) { args in .tuple(Array(repeating: args[0], count: max(0, try args[1].int()))) }
        return m
    }()
}

enum IntegerModule {
    static let module: NativeModule = {
        var m = NativeModule("Integer")
        m.pure("to_string", 1, 2) { args in
            let base = args.count > 1 ? try args[1].int() : 10
            guard (2...36).contains(base) else { throw ElixirError.argument() }
            if case .int(let n) = args[0] { return .string(String(n, radix: base).uppercased()) }
            guard case .bigInteger(let n) = args[0] else { throw ElixirError.argument() }
            return .string(BigIntDecimal.string(n.value, radix: base, uppercase: true))
        }
        m.pure("parse", 1, 2) { args in
            let base = args.count > 1 ? try args[1].int() : 10
            guard (2...36).contains(base) else { throw ElixirError.argument("invalid base \(base)") }
            let bytes = try StringModule.bytes(args[0])
            var index = 0
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            let digitsStart = index
            while index < bytes.count, let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue ?? letterDigit(bytes[index]), digit < base {
                index += 1
            }
            guard index > digitsStart, let value = BigIntDecimal.parse(utf8: Array(bytes[0..<index]), radix: base) else { return .error }
            return .tuple([.integer(value), .binary(Array(bytes[index...]))])
        }
        m.pure("digits", 1) { args in
            let value = try args[0].int()
            let sign = value < 0 ? -1 : 1
            var n = value.magnitude
            var digits: [Term] = []
            repeat { digits.insert(.int(sign * Int(n % 10)), at: 0); n /= 10 } while n > 0
            return .list(digits)
        }
        m.pure("is_even", 1) { args in .bool(try args[0].int() % 2 == 0) }
        m.pure("is_odd", 1) { args in .bool(try args[0].int() % 2 != 0) }
        return m
    }()

    private static func letterDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}

enum AtomModule {
    static let module: NativeModule = {
        var m = NativeModule("Atom")
        m.pure("to_string", 1) { args in .string(try args[0].atom().text) }
        return m
    }()
}
