/// Funs as Elixir prints them: `&Mod.fun/arity` for exports, `#Function<…>` for the rest.
enum InspectFunction {
    static func describe(_ fun: Fun) -> String {
        switch fun.kind {
        case let .export(module, function, arity):
            return "&" + remoteModule(module.text) + "." + remoteName(function.text) + "/\(arity)"
        case .closure(let closure):
            let origin = closure.origin
            return "#Function<\(origin.index).\(origin.uniq)/\(closure.arity) in "
                + InspectAtom.literal(origin.module.text) + parentName(origin.name) + ">"
        case .foreign(let foreign):
            let uniq = foreign.oldUniq.bigIntValue.map { $0.description } ?? "0"
            // The fun's name lives in its module on the node that compiled it; without the module
            // Elixir prints none, and neither does kvsh.
            return "#Function<\(foreign.index).\(uniq)/\(foreign.arity) in "
                + InspectAtom.literal(foreign.module.text) + ">"
        }
    }

    /// The module of a remote call: `Enum`, `:erlang`.
    static func remoteModule(_ text: String) -> String {
        InspectAtom.literal(text)
    }

    /// A function name as a remote call writes it: `node`, `+`, `"do it"`.
    static func remoteName(_ text: String) -> String {
        InspectAtom.remoteCallName(text)
    }

    /// `.expr/6` from the compiler's name for a fun, `-expr/6-fun-0-`; the name as it is
    /// otherwise; nothing when it is empty (as Elixir prints a fun whose module is not loaded).
    static func parentName(_ name: String) -> String {
        if name.isEmpty { return "" }
        let scalars = Array(name)
        if scalars.first == "-", let marker = lastIndex(of: Array("-fun-"), in: scalars),
           let slash = scalars[..<marker].lastIndex(of: "/") {
            let parent = String(scalars[1..<slash])
            let arity = String(scalars[(slash + 1)..<marker])
            if !parent.isEmpty, !arity.isEmpty, arity.allSatisfy(\.isNumber) {
                return "." + remoteName(parent) + "/" + arity
            }
        }
        // Any other name is the parent already (`route/3`), as kvsh's evaluator records it.
        return "." + name
    }

    private static func lastIndex(of needle: [Character], in haystack: [Character]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in stride(from: haystack.count - needle.count, through: 0, by: -1)
        where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}
