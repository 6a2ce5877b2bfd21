/// Atom texts and their printed forms, worked out once per `inspect` call.
///
/// Reading an atom's text takes the atom table's lock, and deciding how to print it walks its
/// characters; a large term repeats the same few atoms (map keys, `:ok`) many times over.
/// One cache lives for one call, on one thread, so it needs no lock of its own.
final class InspectAtomCache {
    private var texts: [Atom: String] = [:]
    private var literals: [Atom: String] = [:]
    private var keywordKeys: [Atom: String] = [:]

    func text(_ atom: Atom) -> String {
        if let text = texts[atom] { return text }
        let text = atom.text
        texts[atom] = text
        return text
    }

    /// `InspectAtom.literal` of the atom.
    func literal(_ atom: Atom) -> String {
        if let literal = literals[atom] { return literal }
        let literal = InspectAtom.literal(text(atom))
        literals[atom] = literal
        return literal
    }

    /// `InspectAtom.keywordKey` of the atom.
    func keywordKey(_ atom: Atom) -> String {
        if let key = keywordKeys[atom] { return key }
        let key = InspectAtom.keywordKey(text(atom))
        keywordKeys[atom] = key
        return key
    }

    /// Erlang's order of two atoms: by code point.
    func compare(_ a: Atom, _ b: Atom) -> Int {
        if a == b { return 0 }
        return text(a).unicodeScalars.lexicographicallyPrecedes(text(b).unicodeScalars) ? -1 : 1
    }
}
