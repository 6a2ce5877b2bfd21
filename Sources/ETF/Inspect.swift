import BigInt

extension Term {
    /// The term as Elixir 1.14's `inspect/2` prints it with the same options.
    ///
    /// With `InspectOptions.iex(colors:)` this is what iex shows for an evaluation's result.
    /// Work is linear in the printed size; nesting deeper than `options.maxDepth` prints `...`.
    public func inspect(_ options: InspectOptions = .init()) -> String {
        let document = Inspector(options: options, atoms: InspectAtomCache()).document(self, limit: options.limit, depth: 0)
        return document.format(width: options.pretty ? options.width : nil)
    }

    /// The term as iex shows an evaluation's result: `inspect` with `options` (normally
    /// `InspectOptions.iex(colors:)`), wrapped in iex's yellow `:eval_result` colour when
    /// colours are on, as iex 1.14 does.
    public func inspectAsIExResult(_ options: InspectOptions) -> String {
        let text = inspect(options)
        return options.colors ? "\u{1B}[33m" + text + "\u{1B}[0m" : text
    }
}

/// Turns terms into documents, following each type's `Inspect` implementation in Elixir.
struct Inspector {
    let options: InspectOptions
    let atoms: InspectAtomCache

    /// Which colour of the palette a piece of syntax takes.
    enum ColorKey {
        case atom, binary, boolean, charlist, list, map, `nil`, number, string, tuple
    }

    func color(_ text: String, _ key: ColorKey) -> InspectDocument {
        color(.text(text), key)
    }

    func color(_ doc: InspectDocument, _ key: ColorKey) -> InspectDocument {
        guard options.colors else { return doc }
        let palette = options.syntaxColors
        let pre = switch key {
        case .atom: palette.atom
        case .binary: palette.binary
        case .boolean: palette.boolean
        case .charlist: palette.charlist
        case .list: palette.list
        case .map: palette.map
        case .nil: palette.nil
        case .number: palette.number
        case .string: palette.string
        case .tuple: palette.tuple
        }
        return .colored(doc, pre: pre, post: palette.reset)
    }

    /// - Parameters:
    ///   - limit: items left for this term's containers (Elixir decrements it per element, so
    ///     deeper containers show fewer); `nil` for no limit.
    ///   - depth: containers around this term, checked against `options.maxDepth`.
    func document(_ term: Term, limit: Int?, depth: Int) -> InspectDocument {
        if depth > options.maxDepth { return .text("...") }
        switch term {
        case .atom(let atom): return atomDocument(atom)
        case .int(let value): return color(String(value), .number)
        case .bigInteger(let value): return color(BigIntDecimal.string(value.value), .number)
        case .float(let value): return color(InspectFloat.format(value), .number)
        case .binary(let bytes): return binaryDocument(bytes, limit: limit)
        case .bitstring(let bits): return bitsDocument(bits.bytes, trailingBits: Int(bits.trailingBits), limit: limit)
        case .emptyList: return color("[]", .list)
        case .cons: return listDocument(term, limit: limit, depth: depth)
        case .tuple(let elements): return tupleDocument(elements, limit: limit, depth: depth)
        case .map(let map): return mapDocument(map, limit: limit, depth: depth)
        case .pid(let pid): return .text("#PID<\(options.pidNodeNumber(pid)).\(pid.id).\(pid.serial)>")
        case .port(let port): return .text("#Port<\(options.portNodeNumber(port)).\(port.id)>")
        case .reference(let ref):
            let words = ref.words.reversed().map(String.init).joined(separator: ".")
            return .text("#Reference<\(options.referenceNodeNumber(ref)).\(words)>")
        case .fun(let fun): return .text(InspectFunction.describe(fun))
        }
    }

    func atomDocument(_ atom: Atom) -> InspectDocument {
        switch atom {
        case .nil: return color("nil", .nil)
        case .true, .false: return color(atoms.text(atom), .boolean)
        default: return color(atoms.literal(atom), .atom)
        }
    }

    // MARK: - Tuples

    func tupleDocument(_ elements: [Term], limit: Int?, depth: Int) -> InspectDocument {
        var items = elements.makeIterator()
        return container(
            open: color("{", .tuple), close: color("}", .tuple), separator: color(",", .tuple),
            layout: .flex, limit: limit, next: { items.next().map { .element($0) } }
        ) { term, limit in document(term, limit: limit, depth: depth + 1) }
    }
}

// MARK: - Containers

extension Inspector {
    /// One entry of a container: an element, or the last element of an improper list with its tail.
    enum Entry {
        case element(Term)
        case improper(Term, tail: Term)
    }

    /// How a container that does not fit on its line breaks.
    enum Layout {
        /// Elements flow like words, continuation lines under the first element (tuples).
        case flex
        /// One element per line, indented by two, the closing delimiter on its own line (maps).
        case strict
        /// `flex` when every element is plain text, else `strict` (lists).
        case maybe
    }

    /// Elixir's `container_doc`: elements joined by `separator`, at most `limit` of them then
    /// `...`, laid out as `layout` says when the whole does not fit on the line.
    func container(
        open: InspectDocument, close: InspectDocument, separator: InspectDocument, layout: Layout,
        limit: Int?, next: () -> Entry?, element: (Term, Int?) -> InspectDocument
    ) -> InspectDocument {
        var docs: [InspectDocument] = []
        var simple = layout == .maybe
        var remaining = limit
        while let entry = next() {
            if remaining == 0 {
                docs.append(.text("..."))
                break
            }
            remaining = remaining.map { $0 - 1 }
            switch entry {
            case .element(let term):
                let doc = element(term, remaining)
                simple = simple && doc.isSimple
                docs.append(doc)
            case .improper(let head, let tail):
                let left = element(head, remaining)
                let right = element(tail, remaining)
                simple = simple && left.isSimple && right.isSimple
                docs.append(.concat([left, .text(" |"), .breakPoint(" ", flex: simple), right]))
            }
        }
        if docs.isEmpty { return .concat([open, close]) }
        let flex = simple || layout == .flex
        var joined: [InspectDocument] = []
        joined.reserveCapacity(docs.count * 3)
        for (index, doc) in docs.enumerated() {
            if index > 0 {
                joined.append(separator)
                joined.append(.breakPoint(" ", flex: flex))
            }
            joined.append(doc)
        }
        let body = InspectDocument.concat(joined)
        if flex {
            return .group(.concat([open, .nest(body, indent: 1), close]))
        }
        let empty = InspectDocument.breakPoint("", flex: false)
        return .group(.concat([.nest(.concat([open, empty, body]), indent: 2), empty, close]))
    }
}
