import ETF

/// A compact Elixir-like rendering of a term, for readable test failures.
func dump(_ term: Term) -> String {
    switch term {
    case .atom(let atom): return ":" + atom.text
    case .int(let value): return String(value)
    case .bigInteger(let value): return value.value.description
    case .float(let value): return String(value)
    case .binary(let bytes):
        if let text = String(validating: bytes, as: UTF8.self) { return "\"" + text.debugDescription.dropFirst().dropLast() + "\"" }
        return "<<" + bytes.map(String.init).joined(separator: ", ") + ">>"
    case .emptyList: return "[]"
    case .cons:
        guard let (elements, tail) = term.listParts else { return "?" }
        let body = elements.map(dump).joined(separator: ", ")
        if case .emptyList = tail { return "[" + body + "]" }
        return "[" + body + " | " + dump(tail) + "]"
    case .tuple(let items): return "{" + items.map(dump).joined(separator: ", ") + "}"
    default: return "\(term)"
    }
}
