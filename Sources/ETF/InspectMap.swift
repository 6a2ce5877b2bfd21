/// Maps and structs as Elixir 1.14 prints them.
///
/// Keys print in the BEAM's map key order (`TermMap.sortedEntries`), which it keeps maps of up to 32 keys
/// in; larger BEAM maps print in hash order there, which kvsh does not reproduce.
extension Inspector {
    func mapDocument(_ map: TermMap, limit: Int?, depth: Int) -> InspectDocument {
        if case .atom(let module)? = map[Self.structKey],
           let special = structDocument(module, map, limit: limit, depth: depth) {
            return special
        }
        return mapContainer(name: "", entries: map.sortedEntries, limit: limit, depth: depth)
    }

    static let structKey = Term.atom("__struct__")

    /// `%name{…}`: keyword style when every key is an atom that can be a keyword key (always,
    /// for a struct's fields), else `key => value`. Maps never flow their entries like words.
    func mapContainer(
        name: String, entries: [(key: Term, value: Term)], keywordStyle: Bool? = nil, limit: Int?, depth: Int
    ) -> InspectDocument {
        let keyword = keywordStyle ?? entries.allSatisfy { entry in
            if case .atom(let key) = entry.key { return InspectAtom.isKeywordKey(atoms.text(key)) }
            return false
        }
        var items = entries.makeIterator()
        let arrow = color(" => ", .map)
        return container(
            open: color("%" + name + "{", .map), close: color("}", .map), separator: color(",", .map),
            layout: .strict, limit: limit, next: { items.next().map { .element(.tuple([$0.key, $0.value])) } }
        ) { pair, limit in
            if keyword { return keywordEntry(pair, limit: limit, depth: depth) }
            guard case .tuple(let kv) = pair else { return .empty }
            return .concat([
                document(kv[0], limit: limit, depth: depth + 1), arrow,
                document(kv[1], limit: limit, depth: depth + 1),
            ])
        }
    }

    /// Ranges and map sets in their constructor form, and structs the options know, with their
    /// fields in definition order; nil (print as a plain map) for any other struct.
    func structDocument(_ module: Atom, _ map: TermMap, limit: Int?, depth: Int) -> InspectDocument? {
        let name = atoms.text(module)
        let fields = options.structFields(module)
        guard fields != nil || Self.specialStructs.contains(name) else { return nil }
        let keys = Set(map.storage.keys.compactMap(\.atomValue).map(atoms.text))
        guard keys.count == map.count else { return nil }
        switch name {
        case "Elixir.Date" where keys == ["__struct__", "calendar", "year", "month", "day"],
             "Elixir.Time" where keys == ["__struct__", "calendar", "hour", "minute", "second", "microsecond"],
             "Elixir.NaiveDateTime" where keys == Self.naiveDateTimeKeys,
             "Elixir.DateTime" where keys == Self.naiveDateTimeKeys.union(["time_zone", "zone_abbr", "utc_offset", "std_offset"]):
            return InspectCalendar.describe(name, map).map { .text($0) }
        case "Elixir.Regex" where keys == ["__struct__", "opts", "re_pattern", "re_version", "source"]:
            return InspectRegex.describe(map).map { .text($0) }
        case "Elixir.Range" where keys == ["__struct__", "first", "last", "step"] || keys == ["__struct__", "first", "last"]:
            return rangeDocument(map, limit: limit, depth: depth)
        case "Elixir.MapSet" where keys == ["__struct__", "map", "version"]:
            guard case .map(let set)? = map[.atom("map")] else { return nil }
            let elements = Term.list(set.sortedEntries.map(\.key))
            // Elixir prints a set's elements, nested ones too, with charlists as lists, so a
            // set of small integers never shows as `MapSet.new('abc')`.
            var asLists = options
            asLists.charlists = .asLists
            let list = set.count > 0
                ? Inspector(options: asLists, atoms: atoms).listDocument(elements, limit: limit, depth: depth)
                : color("[]", .list)
            return .concat([.text("MapSet.new("), list, .text(")")])
        default:
            guard let fields, Set(fields.map(atoms.text)).union(["__struct__"]) == keys else { return nil }
            // An exception's `__exception__: true` is part of its struct but never printed.
            let entries = fields.filter { atoms.text($0) != "__exception__" }
                .map { (key: Term.atom($0), value: map[.atom($0)] ?? .nil) }
            return mapContainer(
                name: atoms.literal(module), entries: entries, keywordStyle: true, limit: limit, depth: depth
            )
        }
    }

    /// Structs printed in a form of their own, whatever `structFields` says.
    static let specialStructs: Set<String> = [
        "Elixir.Date", "Elixir.Time", "Elixir.NaiveDateTime", "Elixir.DateTime", "Elixir.Range", "Elixir.MapSet",
        "Elixir.Regex",
    ]

    static let naiveDateTimeKeys: Set<String> = [
        "__struct__", "calendar", "year", "month", "day", "hour", "minute", "second", "microsecond",
    ]

    /// `first..last`, or `first..last//step` unless the step is 1 and the range ascends.
    func rangeDocument(_ map: TermMap, limit: Int?, depth: Int) -> InspectDocument {
        let first = map[.atom("first")] ?? .nil
        let last = map[.atom("last")] ?? .nil
        var parts = [
            document(first, limit: limit, depth: depth + 1), .text(".."),
            document(last, limit: limit, depth: depth + 1),
        ]
        if let step = map[.atom("step")] {
            let plain = step == .int(1) && Term.compare(last, first) >= 0
            if !plain { parts += [.text("//"), document(step, limit: limit, depth: depth + 1)] }
        }
        return .concat(parts)
    }
}
