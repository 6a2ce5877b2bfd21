import BigInt
import ETF
import NodeRuntime

/// `Kernel`: operators, guards, and the process primitives the guide types at the prompt.
enum KernelModule {
    static let module: NativeModule = {
        var m = NativeModule("Kernel")
        m.pure("+", 2) { try Arithmetic.add($0[0], $0[1]) }
        m.pure("-", 2) { try Arithmetic.subtract($0[0], $0[1]) }
        m.pure("*", 2) { try Arithmetic.multiply($0[0], $0[1]) }
        m.pure("/", 2) { args in
            guard let x = Arithmetic.double(args[0]), let y = Arithmetic.double(args[1]), y != 0 else {
                throw ElixirError.arithmetic("bad argument in arithmetic expression: \(args[0].inspect()) / \(args[1].inspect())")
            }
            return .float(x / y)
        }
        m.pure("-", 1) { try Arithmetic.subtract(.int(0), $0[0]) }
        m.pure("+", 1) { args in
            guard args[0].isNumber else { throw ElixirError.arithmetic() }
            return args[0]
        }
        m.pure("div", 2) { try integerDivision($0, "div") { $0.quotientAndRemainder(dividingBy: $1).quotient } }
        m.pure("rem", 2) { try integerDivision($0, "rem") { $0.quotientAndRemainder(dividingBy: $1).remainder } }
        m.pure("abs", 1) { args in
            switch args[0] {
            case .float(let x): return .float(abs(x))
            default:
                guard let n = args[0].bigIntValue else { throw ElixirError.argument() }
                return .integer(n.magnitude == 0 ? 0 : BigInt(n.magnitude))
            }
        }
        m.pure("==", 2) { .bool(Term.looselyEquals($0[0], $0[1])) }
        m.pure("!=", 2) { .bool(!Term.looselyEquals($0[0], $0[1])) }
        m.pure("===", 2) { .bool($0[0] == $0[1]) }
        m.pure("!==", 2) { .bool($0[0] != $0[1]) }
        m.pure("<", 2) { .bool(Term.compare($0[0], $0[1]) < 0) }
        m.pure(">", 2) { .bool(Term.compare($0[0], $0[1]) > 0) }
        m.pure("<=", 2) { .bool(Term.compare($0[0], $0[1]) <= 0) }
        m.pure(">=", 2) { .bool(Term.compare($0[0], $0[1]) >= 0) }
        m.pure("max", 2) { Term.compare($0[0], $0[1]) >= 0 ? $0[0] : $0[1] }
        m.pure("min", 2) { Term.compare($0[0], $0[1]) <= 0 ? $0[0] : $0[1] }
        m.pure("!", 1) { .bool(!$0[0].isTruthy) }
        m.pure("not", 1) { args in
            guard args[0] == .true || args[0] == .false else { throw ElixirError.argument() }
            return .bool(args[0] == .false)
        }
        m.pure("<>", 2) { args in
            guard case .binary(let a) = args[0], case .binary(let b) = args[1] else { throw ElixirError.argument() }
            return .binary(a + b)
        }
        m.pure("++", 2) { args in .list(try args[0].list(), tail: args[1]) }
        m.pure("--", 2) { args in
            var left = try args[0].list()
            for element in try args[1].list() {
                if let index = left.firstIndex(of: element) { left.remove(at: index) }
            }
            return .list(left)
        }
        m.pure("in", 2) { args in .bool(try Enumerable.elements(args[1]).contains { Term.looselyEquals($0, args[0]) }) }
        m.pure("..", 2) { range($0[0], $0[1], nil) }
        m.pure("..//", 3) { range($0[0], $0[1], $0[2]) }
        for (name, test) in typeChecks { m.pure(name, 1) { .bool(test($0[0])) } }
        m.pure("is_function", 2) { args in
            guard case .fun(let fun) = args[0] else { return .false }
            return .bool(fun.arity == (try args[1].int()))
        }
        m.pure("elem", 2) { args in
            guard case .tuple(let elements) = args[0], let index = try? args[1].int(), elements.indices.contains(index) else {
                throw ElixirError.argument()
            }
            return elements[index]
        }
        m.pure("put_elem", 3) { args in
            guard case .tuple(var elements) = args[0], let index = try? args[1].int(), elements.indices.contains(index) else {
                throw ElixirError.argument()
            }
            elements[index] = args[2]
            return .tuple(elements)
        }
        m.pure("tuple_size", 1) { args in
            guard case .tuple(let elements) = args[0] else { throw ElixirError.argument() }
            return .int(elements.count)
        }
        m.pure("map_size", 1) { args in
            guard case .map(let map) = args[0] else { throw ElixirError.badMap(args[0]) }
            return .int(map.count)
        }
        m.pure("byte_size", 1) { args in
            guard case .binary(let bytes) = args[0] else { throw ElixirError.argument() }
            return .int(bytes.count)
        }
        m.pure("length", 1) { .int(try $0[0].list().count) }
        m.pure("hd", 1) { args in
            guard case .cons(let cell) = args[0] else { throw ElixirError.argument() }
            return cell.head
        }
        m.pure("tl", 1) { args in
            guard case .cons(let cell) = args[0] else { throw ElixirError.argument() }
            return cell.tail
        }
        m.pure("round", 1) { args in try roundNumber(args[0], .toNearestOrAwayFromZero) }
        m.pure("trunc", 1) { args in try roundNumber(args[0], .towardZero) }
        m.process("inspect", 1, 2) { context, args in .string(args[0].inspect(context.interpreter.inspectOptions())) }
        m.pure("to_string", 1) { args in .string(try text(args[0])) }
        m.pure("throw", 1) { throw ElixirError.throw($0[0]) }
        m.pure("exit", 1) { throw ElixirError.exit($0[0]) }
        m.process("self", 0) { context, _ in .pid(context.process.pid) }
        m.process("node", 0) { context, _ in .atom(context.node.name) }
        m.pure("node", 1) { args in
            switch args[0] {
            case .pid(let pid): return .atom(pid.node)
            case .reference(let ref): return .atom(ref.node)
            case .port(let port): return .atom(port.node)
            default:
                var error = ElixirError.argument("errors were found at the given arguments:\n\n  * 1st argument: not a pid\n")
                error.failedCall = ":erlang.node(\(args[0].inspect()))"
                throw error
            }
        }
        m.process("make_ref", 0) { context, _ in .reference(context.node.makeReference()) }
        m.process("send", 2) { context, args in
            try ProcessModule.send(args[1], to: args[0], context)
            return args[1]
        }
        m.process("spawn", 1) { context, args in .pid(try spawn(args[0], [], [], context).pid) }
        m.process("spawn", 3) { context, args in .pid(try spawnMFA(args, [], context).pid) }
        m.process("spawn_link", 1) { context, args in .pid(try spawn(args[0], [], .link, context).pid) }
        m.process("spawn_link", 3) { context, args in .pid(try spawnMFA(args, .link, context).pid) }
        m.process("spawn_monitor", 1) { context, args in
            let (pid, ref) = try spawn(args[0], [], .monitor, context)
            return .tuple([.pid(pid), ref.map(Term.reference) ?? .nil])
        }
        m.process("apply", 2) { context, args in try await context.apply(args[0], try args[1].list()) }
        m.process("apply", 3) { context, args in
            try await context.interpreter.call(try args[0].atom(), try args[1].atom(), try args[2].list(), context)
        }
        return m
    }()

    static let typeChecks: [(String, @Sendable (Term) -> Bool)] = [
        ("is_atom", { if case .atom = $0 { true } else { false } }),
        ("is_integer", { if case .int = $0 { true } else if case .bigInteger = $0 { true } else { false } }),
        ("is_float", { if case .float = $0 { true } else { false } }),
        ("is_number", { $0.isNumber }),
        ("is_binary", { if case .binary = $0 { true } else { false } }),
        ("is_bitstring", { if case .binary = $0 { true } else if case .bitstring = $0 { true } else { false } }),
        ("is_list", { $0.isList }),
        ("is_tuple", { if case .tuple = $0 { true } else { false } }),
        ("is_map", { if case .map = $0 { true } else { false } }),
        ("is_pid", { if case .pid = $0 { true } else { false } }),
        ("is_reference", { if case .reference = $0 { true } else { false } }),
        ("is_function", { if case .fun = $0 { true } else { false } }),
        ("is_nil", { $0 == .nil }),
        ("is_boolean", { $0 == .true || $0 == .false }),
    ]

    private static func integerDivision(_ args: [Term], _ name: String, _ op: (BigInt, BigInt) -> BigInt) throws -> Term {
        guard let x = args[0].bigIntValue, let y = args[1].bigIntValue, y != 0 else {
            throw ElixirError.arithmetic("bad argument in arithmetic expression: \(name)(\(args[0].inspect()), \(args[1].inspect()))")
        }
        return .integer(op(x, y))
    }

    private static func roundNumber(_ term: Term, _ rule: FloatingPointRoundingRule) throws -> Term {
        switch term {
        case .int, .bigInteger: return term
        case .float(let x):
            let rounded = x.rounded(rule)
            guard let big = BigInt(exactly: rounded) else { throw ElixirError.argument() }
            return .integer(big)
        default: throw ElixirError.argument()
        }
    }

    static func range(_ first: Term, _ last: Term, _ step: Term?) -> Term {
        let defaultStep: Term = Term.compare(first, last) <= 0 ? .int(1) : .int(-1)
        return .map([
            (.atom("__struct__"), .atom("Elixir.Range")), (.atom("first"), first), (.atom("last"), last),
            (.atom("step"), step ?? defaultStep),
        ])
    }

    /// `to_string/1` (`String.Chars`) for the terms the guide interpolates.
    static func text(_ term: Term) throws -> String {
        switch term {
        case .binary(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .atom(let atom): return atom == .nil ? "" : (atom.text.hasPrefix("Elixir.") ? String(atom.text.dropFirst(7)) : atom.text)
        case .int, .bigInteger, .float: return term.inspect()
        case .cons, .emptyList:
            return String(decoding: try IOData.bytes(term), as: UTF8.self)
        default:
            throw ElixirError.exception("Protocol.UndefinedError", [
                ("message", .string("protocol String.Chars not implemented for \(term.inspect()) of type \(Enumerable.typeName(term))")),
            ])
        }
    }

    static func spawn(
        _ fun: Term, _ args: [Term], _ options: LocalNode.SpawnOptions, _ context: CallContext
    ) throws -> (pid: Pid, monitor: Reference?) {
        guard case .fun = fun else { throw ElixirError.badFunction(fun) }
        let interpreter = context.interpreter
        return context.node.spawn(parent: context.process, options: options) { process in
            _ = try await interpreter.apply(fun, args, CallContext(process: process, interpreter: interpreter))
        }
    }

    private static func spawnMFA(_ args: [Term], _ options: LocalNode.SpawnOptions, _ context: CallContext) throws -> (pid: Pid, monitor: Reference?) {
        spawnMFA(try args[0].atom(), try args[1].atom(), try args[2].list(), options, context)
    }

    static func spawnMFA(
        _ module: Atom, _ function: Atom, _ arguments: [Term], _ options: LocalNode.SpawnOptions, _ context: CallContext
    ) -> (pid: Pid, monitor: Reference?) {
        let interpreter = context.interpreter
        return context.node.spawn(parent: context.process, options: options) { process in
            _ = try await interpreter.call(module, function, arguments, CallContext(process: process, interpreter: interpreter))
        }
    }
}

/// Flattening iodata (binaries, bytes and nested lists of them) into bytes.
enum IOData {
    static func bytes(_ term: Term) throws -> [UInt8] {
        var out: [UInt8] = []
        var stack = [term]
        while let next = stack.popLast() {
            switch next {
            case .binary(let bytes): out += bytes
            case .int(let n) where (0...0x10FFFF).contains(n):
                if n < 128 { out.append(UInt8(n)) } else if let scalar = Unicode.Scalar(UInt32(n)) { out += Array(String(Character(scalar)).utf8) }
            case .emptyList: break
            case .cons(let cell):
                stack.append(cell.tail)
                stack.append(cell.head)
            default:
                throw ElixirError.argument()
            }
        }
        return out
    }
}
