/// Lists as Elixir 1.14 prints them: charlists `'abc'`, keyword lists `[a: 1]`, improper lists
/// `[1 | 2]`, and everything else as a container.
extension Inspector {
    func listDocument(_ list: Term, limit: Int?, depth: Int) -> InspectDocument {
        if options.charlists == .infer, let (text, truncated) = printableCharlist(list) {
            let escaped = InspectEscape.escape(text, delimiter: "'")
            return color("'" + escaped + "'" + (truncated ? " ++ ..." : ""), .charlist)
        }
        if let pairs = keywordPairs(list) {
            var items = pairs.makeIterator()
            return container(
                open: color("[", .list), close: color("]", .list), separator: color(",", .list),
                layout: .strict, limit: limit, next: { items.next().map { .element($0) } }
            ) { pair, limit in keywordEntry(pair, limit: limit, depth: depth) }
        }
        var current = list
        return container(
            open: color("[", .list), close: color("]", .list), separator: color(",", .list),
            layout: .maybe, limit: limit,
            next: {
                guard case .cons(let cell) = current else { return nil }
                current = cell.tail
                switch cell.tail {
                case .emptyList, .cons: return .element(cell.head)
                default:
                    current = .emptyList
                    return .improper(cell.head, tail: cell.tail)
                }
            }
        ) { term, limit in document(term, limit: limit, depth: depth + 1) }
    }

    /// `key: value`, the key coloured as an atom with its colon.
    func keywordEntry(_ pair: Term, limit: Int?, depth: Int) -> InspectDocument {
        guard case .tuple(let elements) = pair, elements.count == 2, case .atom(let key) = elements[0] else {
            return document(pair, limit: limit, depth: depth + 1)
        }
        return .concat([
            color(atoms.keywordKey(key), .atom), .text(" "),
            document(elements[1], limit: limit, depth: depth + 1),
        ])
    }

    /// `List.ascii_printable?/2`, the test by which Elixir 1.14 prints a list as a charlist:
    /// a proper list whose first `printableLimit` elements are printable ASCII.
    /// - Returns: the text of those elements and whether more follow; nil if not printable.
    func printableCharlist(_ list: Term) -> (String, truncated: Bool)? {
        var text = ""
        var remaining = options.printableLimit ?? Int.max
        var current = list
        while case .cons(let cell) = current {
            if remaining == 0 { return (text, true) }
            guard case .int(let value) = cell.head, InspectEscape.isASCIIPrintable(value) else { return nil }
            text.unicodeScalars.append(Unicode.Scalar(UInt8(value)))
            remaining -= 1
            current = cell.tail
        }
        guard case .emptyList = current else { return nil }
        return (text, false)
    }

    /// The elements of a non-empty proper list of `{atom, value}` pairs whose keys may be
    /// written `key:`; nil for any other list.
    func keywordPairs(_ list: Term) -> [Term]? {
        var pairs: [Term] = []
        var current = list
        while case .cons(let cell) = current {
            guard case .tuple(let elements) = cell.head, elements.count == 2,
                  case .atom(let key) = elements[0], InspectAtom.isKeywordKey(atoms.text(key)) else { return nil }
            pairs.append(cell.head)
            current = cell.tail
        }
        guard case .emptyList = current, !pairs.isEmpty else { return nil }
        return pairs
    }
}
