import BigInt

/// Reads terms in the External Term Format, as `binary_to_term/1` does, from bytes a peer sent.
///
/// Everything here assumes the bytes are hostile: lengths are checked against the bytes left
/// before anything is allocated, containers are decoded with an explicit stack (no recursion, so
/// deep nesting cannot overflow the thread's stack), atoms go through `Atom.intern(_:)` with its
/// bounds, and a compressed term is inflated only up to a cap.
public struct ETFDecoder: Sendable {
    /// Bounds on what one decode may build. The defaults suit distribution messages.
    public struct Limits: Sendable, Equatable {
        /// How many containers (tuples, maps, list heads, fun environments) may be open at once.
        /// A long list is not deep: only nesting counts. `Term`'s equality, hashing and release
        /// recurse through nesting, so terms much deeper than this would crash later, elsewhere.
        ///
        /// The default, 2,000, is far beyond what Erlang and Elixir code builds (ASTs and records
        /// nest tens deep) and well inside what `Term` survives: in a debug build on a test
        /// thread, `==` on nested tuples overflowed between 4,000 and 8,000 levels, and releasing
        /// nested lists between 16,000 and 32,000.
        public var maxDepth: Int
        /// The largest inflated size a compressed term may declare, in bytes.
        public var maxInflatedSize: Int
        /// New atoms are refused once the node's atom table holds this many (never more than
        /// `Atom.tableLimit`). Atoms that already exist always decode.
        public var atomTableLimit: Int

        public init(maxDepth: Int = 2_000, maxInflatedSize: Int = 64 << 20, atomTableLimit: Int = Atom.tableLimit) {
            self.maxDepth = maxDepth
            self.maxInflatedSize = maxInflatedSize
            self.atomTableLimit = atomTableLimit
        }

        public static let `default` = Limits()
    }

    public var limits: Limits

    public init(limits: Limits = .default) { self.limits = limits }

    /// Decodes a buffer that holds exactly one term, version byte first.
    /// - Throws: `ETFDecodingError`; `.trailingBytes` when bytes are left after the term.
    public func decode(_ bytes: [UInt8]) throws(ETFDecodingError) -> Term {
        let (term, end) = try decode(bytes, at: 0)
        guard end == bytes.count else { throw .trailingBytes(count: bytes.count - end, offset: end) }
        return term
    }

    /// Decodes one term (version byte first) that starts at `offset`, for frames that carry
    /// several terms back to back.
    /// - Returns: the term and the offset just past it.
    public func decode(_ bytes: [UInt8], at offset: Int) throws(ETFDecodingError) -> (term: Term, end: Int) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ETFDecodingError) in try decode(raw, at: offset) }
        }
        return try result.get()
    }

    /// Decodes one term (version byte first) that starts at `offset` in raw memory.
    /// - Returns: the term and the offset just past it.
    public func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(ETFDecodingError) -> (term: Term, end: Int) {
        guard offset >= 0, offset < bytes.count, let base = bytes.baseAddress else {
            throw .truncated(offset: max(offset, 0))
        }
        var reader = TermReader(base: base, position: offset, end: bytes.count, limits: limits)
        let version = try reader.byte()
        guard version == ExternalTermFormat.version else { throw .badVersion(version, offset: offset) }
        if try reader.peek() == ExternalTermFormat.Tag.compressed {
            return try decodeCompressed(&reader)
        }
        let term = try reader.readTerm()
        return (term, reader.position)
    }

    /// Decodes one term that follows a distribution header: no version byte of its own (the
    /// header's 131 stands for it), atoms possibly as ATOM_CACHE_REFs into `atomCacheRefs`.
    /// - Returns: the term and the offset just past it.
    public func decode(
        afterHeader bytes: UnsafeRawBufferPointer, at offset: Int, atomCacheRefs: [Atom]
    ) throws(ETFDecodingError) -> (term: Term, end: Int) {
        guard offset >= 0, offset < bytes.count, let base = bytes.baseAddress else {
            throw .truncated(offset: max(offset, 0))
        }
        var reader = TermReader(base: base, position: offset, end: bytes.count, limits: limits, atomCacheRefs: atomCacheRefs)
        let term = try reader.readTerm()
        return (term, reader.position)
    }

    /// Decodes a term that has no version byte (the inside of a compressed term).
    func decodeBody(_ bytes: [UInt8]) throws(ETFDecodingError) -> Term {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ETFDecodingError) -> Term in
                guard let base = raw.baseAddress, !raw.isEmpty else { throw .truncated(offset: 0) }
                var reader = TermReader(base: base, position: 0, end: raw.count, limits: limits)
                let term = try reader.readTerm()
                guard reader.position == raw.count else {
                    throw .trailingBytes(count: raw.count - reader.position, offset: reader.position)
                }
                return term
            }
        }
        return try result.get()
    }
}

// MARK: - Reading

/// The cursor over the input and the explicit stack of open containers.
///
/// `promised` counts the bytes that the open containers still need at the least (one per
/// element not yet read). A new length is checked against the bytes left *minus* that promise,
/// so nested containers cannot together claim more elements than the input could hold, and the
/// capacity reserved for them stays proportional to the input.
struct TermReader {
    let base: UnsafeRawPointer
    var position: Int
    let end: Int
    let limits: ETFDecoder.Limits
    var promised = 0
    /// The atoms a distribution header named, in its order: what ATOM_CACHE_REF (82) indexes.
    /// Empty outside a message with a header, where tag 82 is unknown.
    let atomCacheRefs: [Atom]

    init(base: UnsafeRawPointer, position: Int, end: Int, limits: ETFDecoder.Limits, atomCacheRefs: [Atom] = []) {
        self.base = base
        self.position = position
        self.end = end
        self.limits = limits
        self.atomCacheRefs = atomCacheRefs
    }

    /// Bytes left that no open container has claimed.
    @inline(__always) var available: Int { end - position - promised }

    @inline(__always) func peek() throws(ETFDecodingError) -> UInt8 {
        guard position < end else { throw .truncated(offset: position) }
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    @inline(__always) mutating func byte() throws(ETFDecodingError) -> UInt8 {
        guard position < end else { throw .truncated(offset: position) }
        defer { position += 1 }
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    @inline(__always) mutating func u16() throws(ETFDecodingError) -> UInt16 {
        guard end - position >= 2 else { throw .truncated(offset: position) }
        defer { position += 2 }
        return UInt16(bigEndian: base.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }

    @inline(__always) mutating func u32() throws(ETFDecodingError) -> UInt32 {
        guard end - position >= 4 else { throw .truncated(offset: position) }
        defer { position += 4 }
        return UInt32(bigEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    @inline(__always) mutating func u64() throws(ETFDecodingError) -> UInt64 {
        guard end - position >= 8 else { throw .truncated(offset: position) }
        defer { position += 8 }
        return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    /// Throws unless `length` elements of `size` bytes each fit in the unclaimed bytes.
    @inline(__always) func require(_ length: Int, size: Int = 1, at offset: Int) throws(ETFDecodingError) {
        let (needed, overflow) = length.multipliedReportingOverflow(by: size)
        guard !overflow, needed <= available else {
            throw .lengthExceedsInput(length: length, available: max(available, 0), offset: offset)
        }
    }

    mutating func bytes(_ count: Int, at offset: Int) throws(ETFDecodingError) -> [UInt8] {
        try require(count, at: offset)
        defer { position += count }
        return Array(UnsafeRawBufferPointer(start: base + position, count: count))
    }
}

// MARK: - The term loop

extension TermReader {
    /// An open container: its children so far sit on the value stack from `base` on.
    /// Plain data, so the loop can look at the top frame without retaining anything.
    struct Frame {
        enum Kind {
            case tuple
            /// Elements, then the tail as the last child.
            case list
            /// Keys and values alternating.
            case map
            /// The free variables of a fun; the rest of it is read already and sits on the fun stack.
            case fun
        }

        var kind: Kind
        /// Children still to read.
        var remaining: Int
        let base: Int
        /// Where the container's tag is, for errors.
        let offset: Int
    }

    struct FunHeader {
        /// The fun without its free variables, which follow it in the input.
        var fun: ForeignFun
        /// The fun's size field: the bytes from that field to the end of the fun.
        var size: Int
        var freeCount: Int
    }

    /// Reads one term (no version byte) at the cursor.
    mutating func readTerm() throws(ETFDecodingError) -> Term {
        var frames: [Frame] = []
        var values: [Term] = []
        var funs: [FunHeader] = []
        while true {
            if !frames.isEmpty {
                promised -= 1
                // A list whose tail is another list header continues the same list, so a chain
                // of one-element list headers is long, not deep.
                let top = frames[frames.count - 1]
                if top.kind == .list, top.remaining == 1, try peek() == ExternalTermFormat.Tag.list {
                    let offset = position
                    position += 1
                    let count = Int(try u32())
                    guard count + 1 <= available else {
                        throw .lengthExceedsInput(length: count, available: max(available, 0), offset: offset)
                    }
                    promised += count + 1
                    frames[frames.count - 1].remaining += count
                    continue
                }
            }
            let offset = position
            let tag = try byte()
            var term: Term
            switch tag {
            case ExternalTermFormat.Tag.smallTuple, ExternalTermFormat.Tag.largeTuple:
                let count = tag == ExternalTermFormat.Tag.smallTuple ? Int(try byte()) : Int(try u32())
                if count == 0 {
                    term = .tuple([])
                } else if count <= 16, frames.count < limits.maxDepth {
                    let (elements, complete) = try readFlatTuple(count, at: offset)
                    guard complete else {
                        // A container among the elements: the tuple goes on the stack with the
                        // scalars read so far, its other elements still promised.
                        frames.append(Frame(kind: .tuple, remaining: count - elements.count, base: values.count, offset: offset))
                        values.append(contentsOf: elements)
                        continue
                    }
                    term = .tuple(elements)
                } else {
                    try open(.tuple, children: count, length: count, frames: &frames, values: &values, at: offset)
                    continue
                }
            case ExternalTermFormat.Tag.list:
                let count = Int(try u32())
                try open(.list, children: count + 1, length: count, frames: &frames, values: &values, at: offset)
                continue
            case ExternalTermFormat.Tag.map:
                let count = Int(try u32())
                if count == 0 {
                    term = .map(TermMap())
                } else {
                    try require(count, size: 2, at: offset)
                    try open(.map, children: count * 2, length: count, frames: &frames, values: &values, at: offset)
                    continue
                }
            case ExternalTermFormat.Tag.newFun:
                let header = try readFunHeader(at: offset)
                if header.freeCount == 0 {
                    term = try finishFun(header, freeVariables: [], at: offset)
                } else {
                    try open(.fun, children: header.freeCount, length: header.freeCount,
                             frames: &frames, values: &values, at: offset)
                    funs.append(header)
                    continue
                }
            default:
                term = try readScalar(tag: tag, at: offset)
            }
            // A term is complete: hand it to its container, closing every container it completes.
            while !frames.isEmpty {
                values.append(term)
                frames[frames.count - 1].remaining -= 1
                if frames[frames.count - 1].remaining > 0 { break }
                term = try close(frames.removeLast(), values: &values, funs: &funs)
            }
            if frames.isEmpty { return term }
        }
    }

    /// A small tuple's elements read straight into an array, without the container stacks, up to
    /// the first element that is a container (none in a control tuple or many messages). Bytes
    /// are claimed as `open` claims them: the elements not read stay promised.
    /// - Returns: the elements read, and whether they are all of them.
    private mutating func readFlatTuple(_ count: Int, at offset: Int) throws(ETFDecodingError) -> ([Term], Bool) {
        guard count <= available else {
            throw .lengthExceedsInput(length: count, available: max(available, 0), offset: offset)
        }
        promised += count
        var elements: [Term] = []
        elements.reserveCapacity(count)
        while elements.count < count {
            switch try peek() {
            case ExternalTermFormat.Tag.smallTuple, ExternalTermFormat.Tag.largeTuple, ExternalTermFormat.Tag.list,
                 ExternalTermFormat.Tag.map, ExternalTermFormat.Tag.newFun:
                return (elements, false)
            case let tag:
                promised -= 1
                let elementOffset = position
                position += 1
                elements.append(try readScalar(tag: tag, at: elementOffset))
            }
        }
        return (elements, true)
    }

    private mutating func open(
        _ kind: Frame.Kind, children: Int, length: Int, frames: inout [Frame], values: inout [Term], at offset: Int
    ) throws(ETFDecodingError) {
        guard children <= available else {
            throw .lengthExceedsInput(length: length, available: max(available, 0), offset: offset)
        }
        guard frames.count < limits.maxDepth else { throw .nestingTooDeep(limit: limits.maxDepth, offset: offset) }
        promised += children
        // Safe to reserve: the promise accounting bounds the total by the input's size.
        values.reserveCapacity(values.count + children)
        frames.append(Frame(kind: kind, remaining: children, base: values.count, offset: offset))
    }

    private func close(_ frame: Frame, values: inout [Term], funs: inout [FunHeader]) throws(ETFDecodingError) -> Term {
        defer { values.removeSubrange(frame.base...) }
        switch frame.kind {
        case .tuple:
            return .tuple(Array(values[frame.base...]))
        case .list:
            var list = values[values.count - 1]
            var index = values.count - 2
            while index >= frame.base {
                list = .cons(Cons(values[index], list))
                index -= 1
            }
            return list
        case .map:
            let pairs = (values.count - frame.base) / 2
            var storage: [Term: Term] = [:]
            storage.reserveCapacity(pairs)
            var index = frame.base
            while index < values.count {
                storage[values[index]] = values[index + 1]
                index += 2
            }
            guard storage.count == pairs else { throw .duplicateMapKey(offset: frame.offset) }
            return .map(TermMap(storage))
        case .fun:
            return try finishFun(funs.removeLast(), freeVariables: Array(values[frame.base...]), at: frame.offset)
        }
    }
}

// MARK: - Terms without children

extension TermReader {
    mutating func readScalar(tag: UInt8, at offset: Int) throws(ETFDecodingError) -> Term {
        typealias Tag = ExternalTermFormat.Tag
        switch tag {
        case Tag.smallInteger:
            return .int(Int(try byte()))
        case Tag.integer:
            return .int(Int(Int32(bitPattern: try u32())))
        case Tag.smallAtomUTF8, Tag.atomUTF8, Tag.smallAtom, Tag.atom, Tag.atomCacheRef:
            return .atom(try readAtom(tag: tag, at: offset))
        case Tag.nil:
            return .emptyList
        case Tag.string:
            let count = Int(try u16())
            try require(count, at: offset)
            var list = Term.emptyList
            var index = position + count - 1
            while index >= position {
                list = .cons(Cons(.int(Int(base.load(fromByteOffset: index, as: UInt8.self))), list))
                index -= 1
            }
            position += count
            return list
        case Tag.binary:
            let count = Int(try u32())
            return .binary(try bytes(count, at: offset))
        case Tag.bitBinary:
            let count = Int(try u32())
            let bits = try byte()
            let data = try bytes(count, at: offset)
            if count == 0 {
                guard bits == 0 else { throw .invalidValue("bit count \(bits) of an empty bitstring", offset: offset) }
                return .binary([])
            }
            guard (1...8).contains(bits) else { throw .invalidValue("bit count \(bits)", offset: offset) }
            return bits == 8 ? .binary(data) : .bitstring(Bitstring(bytes: data, trailingBits: bits))
        case Tag.smallBig, Tag.largeBig:
            let count = tag == Tag.smallBig ? Int(try byte()) : Int(try u32())
            return try readBig(count: count, at: offset)
        case Tag.newFloat:
            let value = Double(bitPattern: try u64())
            guard value.isFinite else { throw .invalidValue("float \(value)", offset: offset) }
            return .float(value)
        case Tag.float:
            return try readOldFloat(at: offset)
        case Tag.newPid, Tag.pid:
            return .pid(try readPid(tag: tag, at: offset))
        case Tag.newPort, Tag.v4Port, Tag.port:
            let node = try readAtomTerm(expected: "an atom (the port's node)")
            let id = tag == Tag.v4Port ? try u64() : UInt64(try u32())
            let creation = tag == Tag.port ? UInt32(try byte()) : try u32()
            return .port(Port(node: node, id: id, creation: creation))
        case Tag.newerReference, Tag.newReference:
            let count = Int(try u16())
            guard (1...5).contains(count) else { throw .invalidValue("reference of \(count) words", offset: offset) }
            let node = try readAtomTerm(expected: "an atom (the reference's node)")
            let creation = tag == Tag.newReference ? UInt32(try byte()) : try u32()
            try require(count, size: 4, at: offset)
            var words: [UInt32] = []
            words.reserveCapacity(count)
            for _ in 0..<count { words.append(try u32()) }
            return .reference(Reference(node: node, creation: creation, words: words))
        case Tag.reference:
            let node = try readAtomTerm(expected: "an atom (the reference's node)")
            let id = try u32()
            let creation = UInt32(try byte())
            return .reference(Reference(node: node, creation: creation, words: [id]))
        case Tag.export:
            let module = try readAtomTerm(expected: "an atom (the export's module)")
            let function = try readAtomTerm(expected: "an atom (the export's function)")
            let arityOffset = position
            let arityTag = try byte()
            guard arityTag == Tag.smallInteger else {
                throw .unexpectedTag(arityTag, expected: "a small integer (the export's arity)", offset: arityOffset)
            }
            return .fun(Fun(.export(module: module, function: function, arity: Int(try byte()))))
        case Tag.compressed:
            throw .unexpectedTag(tag, expected: "a term (compression only follows the version byte)", offset: offset)
        default:
            throw .unknownTag(tag, offset: offset)
        }
    }

    /// SMALL_BIG / LARGE_BIG: a sign byte, then `count` little-endian digit bytes.
    private mutating func readBig(count: Int, at offset: Int) throws(ETFDecodingError) -> Term {
        let sign = try byte()
        guard sign <= 1 else { throw .invalidValue("bignum sign \(sign)", offset: offset) }
        try require(count, at: offset)
        let digits = UnsafeRawBufferPointer(start: base + position, count: count)
        position += count
        var significant = count
        while significant > 0, digits[significant - 1] == 0 { significant -= 1 }
        if significant <= 8 {
            var magnitude: UInt64 = 0
            for index in stride(from: significant - 1, through: 0, by: -1) {
                magnitude = magnitude << 8 | UInt64(digits[index])
            }
            if sign == 0, let small = Int(exactly: magnitude) { return .int(small) }
            if sign == 1, magnitude <= UInt64(Int.max) + 1 { return .int(Int(truncatingIfNeeded: 0 &- magnitude)) }
        }
        let wordSize = MemoryLayout<UInt>.size
        var words = [UInt](repeating: 0, count: (significant + wordSize - 1) / wordSize)
        for index in 0..<significant {
            words[index / wordSize] |= UInt(digits[index]) << (8 * (index % wordSize))
        }
        let magnitude = BigUInt(words: words)
        return .bigInteger(BigInteger(BigInt(sign: sign == 1 ? .minus : .plus, magnitude: magnitude)))
    }

    /// FLOAT_EXT (99): 31 bytes of `"%.20e"` text, padded with zero bytes. Only very old peers send it.
    private mutating func readOldFloat(at offset: Int) throws(ETFDecodingError) -> Term {
        let text = try bytes(31, at: offset)
        let digits = String(decoding: text.prefix { $0 != 0 }, as: UTF8.self)
        guard let value = Double(digits), value.isFinite else {
            throw .invalidValue("float text \(digits)", offset: offset)
        }
        return .float(value)
    }

    private mutating func readPid(tag: UInt8, at offset: Int) throws(ETFDecodingError) -> Pid {
        let node = try readAtomTerm(expected: "an atom (the pid's node)")
        let id = try u32()
        let serial = try u32()
        let creation = tag == ExternalTermFormat.Tag.pid ? UInt32(try byte()) : try u32()
        return Pid(node: node, id: id, serial: serial, creation: creation)
    }
}

// MARK: - Funs

extension TermReader {
    /// NEW_FUN_EXT up to its free variables: `Size:32 Arity:8 Uniq:16 Index:32 NumFree:32 Module
    /// OldIndex OldUniq Pid`.
    private mutating func readFunHeader(at offset: Int) throws(ETFDecodingError) -> FunHeader {
        let size = Int(try u32())
        try require(size - 4, at: offset)
        let arity = try byte()
        let uniq = try bytes(16, at: offset)
        let index = try u32()
        let free = Int(try u32())
        let module = try readAtomTerm(expected: "an atom (the fun's module)")
        let oldIndex = try readSmallIntegerTerm(expected: "an integer (the fun's old index)")
        let oldUniq = try readSmallIntegerTerm(expected: "an integer (the fun's old uniq)")
        let pidOffset = position
        let pidTag = try byte()
        guard pidTag == ExternalTermFormat.Tag.newPid || pidTag == ExternalTermFormat.Tag.pid else {
            throw .unexpectedTag(pidTag, expected: "a pid (the fun's creator)", offset: pidOffset)
        }
        let pid = Term.pid(try readPid(tag: pidTag, at: pidOffset))
        let fun = ForeignFun(
            arity: arity, uniq: uniq, index: index, module: module,
            oldIndex: oldIndex, oldUniq: oldUniq, pid: pid, freeVariables: []
        )
        return FunHeader(fun: fun, size: size, freeCount: free)
    }

    private func finishFun(_ header: FunHeader, freeVariables: [Term], at offset: Int) throws(ETFDecodingError) -> Term {
        guard position - offset - 1 == header.size else {
            throw .invalidValue("fun size \(header.size), actual \(position - offset - 1)", offset: offset)
        }
        var fun = header.fun
        fun.freeVariables = freeVariables
        return .fun(Fun(.foreign(fun)))
    }

    private mutating func readSmallIntegerTerm(expected: String) throws(ETFDecodingError) -> Term {
        let offset = position
        let tag = try byte()
        switch tag {
        case ExternalTermFormat.Tag.smallInteger: return .int(Int(try byte()))
        case ExternalTermFormat.Tag.integer: return .int(Int(Int32(bitPattern: try u32())))
        default: throw .unexpectedTag(tag, expected: expected, offset: offset)
        }
    }
}

// MARK: - Atoms

extension TermReader {
    /// An atom where the format demands one (a pid's node, an export's module).
    mutating func readAtomTerm(expected: String) throws(ETFDecodingError) -> Atom {
        let offset = position
        let tag = try byte()
        switch tag {
        case ExternalTermFormat.Tag.smallAtomUTF8, ExternalTermFormat.Tag.atomUTF8,
             ExternalTermFormat.Tag.smallAtom, ExternalTermFormat.Tag.atom, ExternalTermFormat.Tag.atomCacheRef:
            return try readAtom(tag: tag, at: offset)
        default:
            throw .unexpectedTag(tag, expected: expected, offset: offset)
        }
    }

    /// The four atom tags: UTF-8 (119, 118) and latin-1 (115, 100), one- or two-byte length; and
    /// an atom-cache reference (82), an index into the atoms the message's header named.
    mutating func readAtom(tag: UInt8, at offset: Int) throws(ETFDecodingError) -> Atom {
        typealias Tag = ExternalTermFormat.Tag
        if tag == Tag.atomCacheRef {
            let index = Int(try byte())
            guard !atomCacheRefs.isEmpty else { throw .unknownTag(tag, offset: offset) }
            guard index < atomCacheRefs.count else {
                throw .invalidValue(
                    "atom cache reference \(index), but the header names \(atomCacheRefs.count) atoms", offset: offset)
            }
            return atomCacheRefs[index]
        }
        let length = tag == Tag.smallAtomUTF8 || tag == Tag.smallAtom ? Int(try byte()) : Int(try u16())
        return try atomText(length: length, utf8: tag == Tag.smallAtomUTF8 || tag == Tag.atomUTF8, at: offset)
    }

    /// Interns `length` bytes of atom text at the cursor: UTF-8, or latin-1 from old encoders.
    mutating func atomText(length: Int, utf8: Bool, at offset: Int) throws(ETFDecodingError) -> Atom {
        try require(length, at: offset)
        let raw = UnsafeRawBufferPointer(start: base + position, count: length)
        position += length
        var ascii = true
        var characters = 0
        for byte in raw {
            if byte >= 0x80 { ascii = false }
            // In UTF-8 every character has exactly one byte that is not a continuation byte.
            if !utf8 || byte & 0xC0 != 0x80 { characters += 1 }
        }
        guard characters <= Atom.maxLength else { throw .atomTooLong(length: characters, offset: offset) }
        let text: String
        if ascii {
            text = String(decoding: raw, as: UTF8.self)
        } else if utf8 {
            guard let valid = String(validating: raw, as: UTF8.self) else { throw .invalidAtomEncoding(offset: offset) }
            text = valid
        } else {
            var scalars = String.UnicodeScalarView()
            for byte in raw { scalars.append(Unicode.Scalar(byte)) }
            text = String(scalars)
        }
        do {
            return try Atom.intern(text, tableLimit: limits.atomTableLimit)
        } catch {
            switch error {
            case .tooLong(let count): throw .atomTooLong(length: count, offset: offset)
            case .tableFull: throw .atomTableFull(offset: offset)
            }
        }
    }
}
