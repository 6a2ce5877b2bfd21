import ETF
import NodeRuntime

/// How a `fn` travels to another node: as Elixir code and a binding, which `Code.eval_quoted/2`
/// runs on a kvsh peer and on a real Elixir peer alike.
extension Closure {
    /// The quoted call `(fn -> … end).()` and the keyword list of the variables it needs.
    ///
    /// Only the captured variables its code mentions are bound. A captured variable whose value
    /// is itself a kvsh fn cannot travel as a value (a BEAM peer could not call it), so its code
    /// travels too: the call becomes `(f = fn … end; (fn -> … end).())`, with that fn's own
    /// variables renamed apart so that equal names with different values cannot meet.
    func portableCall(_ interpreter: Interpreter) -> (quoted: Term, binding: Term) {
        var fresh = 0
        let portable = portable(interpreter, depth: 0, fresh: &fresh)
        let call = Self.calling(portable.fn)
        let quoted = portable.prelude.isEmpty ? call : .tuple([.atom("__block__"), .emptyList, .list(portable.prelude + [call])])
        return (quoted, .list(portable.binding.map { .tuple([.atom(Atom($0.name)), $0.value]) }))
    }

    /// `(fun).()` in quoted form.
    static func calling(_ fun: Term) -> Term {
        .tuple([.tuple([.atom("."), .emptyList, .list([fun])]), .emptyList, .emptyList])
    }

    /// A fn as code: assignments to run first, the `fn` itself, and the binding both need.
    private struct Portable {
        var prelude: [Term] = []
        var fn: Term
        var binding: [(name: String, value: Term)] = []
    }

    /// Nested fns deeper than this travel as values (a kvsh peer in the same program can still call them).
    private static let maxInlineDepth = 8

    private func portable(_ interpreter: Interpreter, depth: Int, fresh: inout Int) -> Portable {
        var code = quoted
        if let module = env.module, let defined = interpreter.userModule(module) {
            code = Self.qualifyingLocalCalls(code, module: module, functions: Set(defined.functions.keys))
        }
        var result = Portable(fn: code)
        var names = Set<String>()
        Self.collectVariables(code, into: &names)
        for name in names.sorted() {
            guard let value = env.variables[name] else { continue }
            guard depth < Self.maxInlineDepth, case .fun(let fun) = value, case .closure(let inner as Closure) = fun.kind else {
                result.binding.append((name, value))
                continue
            }
            fresh += 1
            let prefix = "kvsh\(fresh)_"
            let nested = inner.portable(interpreter, depth: depth + 1, fresh: &fresh)
            var renamed = Set(nested.binding.map(\.name))
            for assignment in nested.prelude { Self.collectVariables(Self.assignedVariable(assignment), into: &renamed) }
            let rename = Dictionary(uniqueKeysWithValues: renamed.map { ($0, prefix + $0) })
            result.prelude += nested.prelude.map { Self.renaming($0, rename) }
            result.prelude.append(.tuple([.atom("="), .emptyList, .list([
                .tuple([.atom(Atom(name)), .emptyList, .nil]), Self.renaming(nested.fn, rename),
            ])]))
            result.binding += nested.binding.map { (prefix + $0.name, $0.value) }
        }
        return result
    }

    private static func assignedVariable(_ assignment: Term) -> Term {
        guard case .tuple(let parts) = assignment, let sides = parts[2].properList, let left = sides.first else { return .nil }
        return left
    }

    /// `quoted` with the variables named in `rename` renamed, everywhere (bound and free alike,
    /// which keeps the code's meaning since every new name is fresh).
    private static func renaming(_ quoted: Term, _ rename: [String: String]) -> Term {
        switch quoted {
        case .tuple(let parts):
            if parts.count == 3, case .atom(let name) = parts[0], case .atom = parts[2], let new = rename[name.text] {
                return .tuple([.atom(Atom(new)), parts[1], parts[2]])
            }
            return .tuple(parts.map { renaming($0, rename) })
        case .cons:
            var elements: [Term] = []
            var rest = quoted
            while case .cons(let cell) = rest {
                elements.append(renaming(cell.head, rename))
                rest = cell.tail
            }
            return .list(elements, tail: renaming(rest, rename))
        default:
            return quoted
        }
    }

    /// A fn made inside a module's function calls that module's functions by their bare names,
    /// which mean nothing to `Code.eval_quoted` over there: they become `Module.name(…)`, and
    /// `__MODULE__` the module. (Private ones stay unreachable, as kvsh cannot call them from outside.)
    static func qualifyingLocalCalls(_ quoted: Term, module: Atom, functions: Set<FunctionKey>, piped: Int = 0) -> Term {
        guard case .tuple(let parts) = quoted, parts.count == 3 else {
            if let elements = quoted.properList {
                return .list(elements.map { qualifyingLocalCalls($0, module: module, functions: functions) })
            }
            if case .tuple(let parts) = quoted {
                return .tuple(parts.map { qualifyingLocalCalls($0, module: module, functions: functions) })
            }
            return quoted
        }
        if case .atom(let name) = parts[0] {
            if name.text == "__MODULE__", case .atom = parts[2] { return .atom(module) }
            guard let args = parts[2].properList else { return quoted }
            if name.text == "|>", args.count == 2 {
                return .tuple([parts[0], parts[1], .list([
                    qualifyingLocalCalls(args[0], module: module, functions: functions),
                    qualifyingLocalCalls(args[1], module: module, functions: functions, piped: 1),
                ])])
            }
            let inner = Term.list(args.map { qualifyingLocalCalls($0, module: module, functions: functions) })
            if functions.contains(FunctionKey(name, args.count + piped)) {
                let dot = Term.tuple([.atom("."), parts[1], .list([.atom(module), .atom(name)])])
                return .tuple([dot, parts[1], inner])
            }
            return .tuple([parts[0], parts[1], inner])
        }
        return .tuple(parts.map { qualifyingLocalCalls($0, module: module, functions: functions) })
    }

    /// The names of the variables `quoted` mentions: `{name, meta, context}` with an atom context.
    static func collectVariables(_ quoted: Term, into names: inout Set<String>) {
        var stack = [quoted]
        while let term = stack.popLast() {
            switch term {
            case .tuple(let parts):
                if parts.count == 3, case .atom(let name) = parts[0], case .atom = parts[2] {
                    names.insert(name.text)
                } else {
                    stack += parts
                }
            case .cons:
                var rest = term
                while case .cons(let cell) = rest {
                    stack.append(cell.head)
                    rest = cell.tail
                }
                stack.append(rest)
            default:
                break
            }
        }
    }
}
