import BigInt
import ETF
import NodeRuntime

/// The native modules every node has.
enum StandardLibrary {
    static let modules: [NativeModule] = [
        KernelModule.module, ProcessModule.module, IOModule.module, TaskModule.module, EnumModule.module,
        NodeModule.module, ErlangModule.module, TimerModule.module, IExHelpers.module, ApplicationModule.module,
        StringModule.module, MapModule.module, ListModule.module, KeywordModule.module, TupleModule.module,
        IntegerModule.module, AtomModule.module, AgentModule.module, CodeModule.module, ERPCModule.module, RPCModule.module,
        GenServerModule.module, TaskSupervisorModule.module, ErlEvalModule.module,
    ]
}

/// What `Enum` and `for` walk over: lists, maps (as `{k, v}` pairs) and ranges.
enum Enumerable {
    static func elements(_ term: Term, _ context: CallContext) async throws -> [Term] {
        try elements(term)
    }

    static func elements(_ term: Term) throws -> [Term] {
        if let list = term.properList { return list }
        if case .map(let map) = term {
            if map[.atom("__struct__")] == .atom("Elixir.Range"),
               case .int(let first)? = map[.atom("first")], case .int(let last)? = map[.atom("last")] {
                let step: Int = if case .int(let s)? = map[.atom("step")] { s } else { first <= last ? 1 : -1 }
                guard step != 0, (step > 0 ? first <= last : first >= last) else { return [] }
                return stride(from: first, through: last, by: step).map(Term.int)
            }
            return map.sortedEntries.map { .tuple([$0.key, $0.value]) }
        }
        throw ElixirError.exception("Protocol.UndefinedError", [
            ("protocol", .atom("Elixir.Enumerable")), ("value", term), ("description", .string("")),
            ("message", .string("protocol Enumerable not implemented for \(term.inspect()) of type \(typeName(term))")),
        ])
    }

    static func typeName(_ term: Term) -> String {
        switch term {
        case .atom: "Atom"
        case .int, .bigInteger: "Integer"
        case .float: "Float"
        case .binary: "BitString"
        case .tuple: "Tuple"
        case .pid: "PID"
        case .fun: "Function"
        default: "Term"
        }
    }
}

// MARK: - Arithmetic shared by the operators

enum Arithmetic {
    static func add(_ a: Term, _ b: Term) throws -> Term { try combine(a, b, "+", { $0.addingReportingOverflow($1) }, +, +) }
    static func subtract(_ a: Term, _ b: Term) throws -> Term { try combine(a, b, "-", { $0.subtractingReportingOverflow($1) }, -, -) }
    static func multiply(_ a: Term, _ b: Term) throws -> Term { try combine(a, b, "*", { $0.multipliedReportingOverflow(by: $1) }, *, *) }

    static func combine(
        _ a: Term, _ b: Term, _ op: String,
        _ small: (Int, Int) -> (partialValue: Int, overflow: Bool),
        _ big: (BigInt, BigInt) -> BigInt, _ float: (Double, Double) -> Double
    ) throws -> Term {
        switch (a, b) {
        case let (.int(x), .int(y)):
            let (value, overflow) = small(x, y)
            return overflow ? .integer(big(BigInt(x), BigInt(y))) : .int(value)
        case let (.float(x), .float(y)): return .float(float(x, y))
        default:
            if let x = a.bigIntValue, let y = b.bigIntValue { return .integer(big(x, y)) }
            if let x = double(a), let y = double(b) { return .float(float(x, y)) }
            throw ElixirError.arithmetic("bad argument in arithmetic expression: \(a.inspect()) \(op) \(b.inspect())")
        }
    }

    static func double(_ term: Term) -> Double? {
        switch term {
        case .int(let n): Double(n)
        case .float(let x): x
        case .bigInteger(let n): Double(n.value)
        default: nil
        }
    }
}
