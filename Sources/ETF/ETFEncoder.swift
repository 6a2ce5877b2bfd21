import BigInt

/// Writes terms in the External Term Format, the way a distribution peer with the UTF8_ATOMS,
/// BIG_CREATION and V4_NC flags expects them (and as OTP 25's `term_to_binary(T, [{minor_version, 2}])`
/// writes them): atoms as UTF-8 (119/118), pids as NEW_PID (88), ports as NEW_PORT (89, V4_PORT
/// when the id needs more than 28 bits), references as NEWER_REFERENCE (90).
///
/// The encoder walks the term with an explicit stack, so however deep a term is it cannot
/// overflow the thread's stack.
public struct ETFEncoder: Sendable {
    /// Maps a closure made by kvsh's evaluator to the term sent in its place. The ETF layer cannot
    /// know how a peer should see one (the node runtime decides: perhaps a fun pointing back at
    /// kvsh), so it asks.
    public typealias ClosureEncoding = @Sendable (any FunClosure) -> Term

    /// What is sent for a closure when no `ClosureEncoding` is given: the tuple
    /// `{:kvsh_closure, module, name, arity}` (the name as a binary). A BEAM peer cannot call it
    /// either way; a tuple that says what it was beats a bare `:undefined` in a log or a crash report.
    public static let describeClosure: ClosureEncoding = { closure in
        .tuple([
            .atom(Atom("kvsh_closure")), .atom(closure.origin.module),
            .string(closure.origin.name), .int(closure.arity),
        ])
    }

    public var closureEncoding: ClosureEncoding

    public init(closureEncoding: @escaping ClosureEncoding = ETFEncoder.describeClosure) {
        self.closureEncoding = closureEncoding
    }

    /// The version byte and the term: a whole `term_to_binary/1` result.
    public func encode(_ term: Term) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        bytes.append(ExternalTermFormat.version)
        encode(term, into: &bytes)
        return bytes
    }

    /// Appends the term without a version byte.
    ///
    /// The distribution protocol writes several terms into one frame, each after its own 131:
    /// append `ExternalTermFormat.version`, then call this, once per term.
    /// - Parameter atomCache: after a distribution header, atoms go by reference into the
    ///   message's header where the cache allows (see `AtomCacheEncoder`).
    public func encode(_ term: Term, into bytes: inout [UInt8], atomCache: AtomCacheEncoder? = nil) {
        var writer = TermWriter(bytes: bytes, closureEncoding: closureEncoding, atomCache: atomCache)
        bytes = []
        writer.write(term)
        bytes = writer.bytes
    }
}

// MARK: - Writing

/// The output buffer and the explicit stack of work still to do.
struct TermWriter {
    typealias Tag = ExternalTermFormat.Tag

    enum Work {
        case term(Term)
        /// The rest of a list after its header: more cells, or the tail that ends it.
        case listRest(Term)
        /// Patch a NEW_FUN's size field once its free variables are written.
        case funSize(at: Int)
    }

    var bytes: [UInt8]
    let closureEncoding: ETFEncoder.ClosureEncoding
    let atomCache: AtomCacheEncoder?

    init(bytes: [UInt8], closureEncoding: @escaping ETFEncoder.ClosureEncoding, atomCache: AtomCacheEncoder? = nil) {
        self.bytes = bytes
        self.closureEncoding = closureEncoding
        self.atomCache = atomCache
    }

    mutating func write(_ term: Term) {
        // The stack is only allocated for a term with children that are not all scalars.
        var stack: [Work] = []
        writeOne(term, stack: &stack)
        while let work = stack.popLast() {
            switch work {
            case .term(let term):
                writeOne(term, stack: &stack)
            case .listRest(let rest):
                if case .cons(let cell) = rest {
                    stack.append(.listRest(cell.tail))
                    stack.append(.term(cell.head))
                } else {
                    stack.append(.term(rest))
                }
            case .funSize(let start):
                put32(UInt32(truncatingIfNeeded: bytes.count - start), at: start)
            }
        }
    }

    /// Writes one term's header (or all of it, for a term without children) and queues its children.
    private mutating func writeOne(_ term: Term, stack: inout [Work]) {
        switch term {
        case .atom(let atom): writeAtom(atom)
        case .int(let value): writeInt(value)
        case .bigInteger(let value): writeBig(value.value)
        case .float(let value):
            bytes.append(Tag.newFloat)
            put64(value.bitPattern)
        case .binary(let data):
            bytes.append(Tag.binary)
            put32(UInt32(data.count))
            bytes.append(contentsOf: data)
        case .bitstring(let bits):
            bytes.append(Tag.bitBinary)
            put32(UInt32(bits.bytes.count))
            bytes.append(bits.trailingBits)
            bytes.append(contentsOf: bits.bytes)
        case .emptyList:
            bytes.append(Tag.nil)
        case .cons:
            writeList(term, stack: &stack)
        case .tuple(let elements):
            if elements.count <= 255 {
                bytes.append(Tag.smallTuple)
                bytes.append(UInt8(elements.count))
            } else {
                bytes.append(Tag.largeTuple)
                put32(UInt32(elements.count))
            }
            // Control tuples and most small messages hold only scalars: written in place.
            if elements.allSatisfy(\.isScalar) {
                for element in elements { writeOne(element, stack: &stack) }
            } else {
                for element in elements.reversed() { stack.append(.term(element)) }
            }
        case .map(let map):
            bytes.append(Tag.map)
            put32(UInt32(map.count))
            // erl writes a small map (up to 32 keys) in its map-key order; match it so the bytes
            // agree. Larger maps have no canonical order on the BEAM either.
            if map.count <= 32 {
                for (key, value) in map.sortedEntries.reversed() {
                    stack.append(.term(value))
                    stack.append(.term(key))
                }
            } else {
                for (key, value) in map.storage {
                    stack.append(.term(value))
                    stack.append(.term(key))
                }
            }
        case .pid(let pid): writePid(pid)
        case .port(let port):
            // OTP 25 writes NEW_PORT only while the id fits the old 28-bit port number.
            if port.id > 0x0FFF_FFFF {
                bytes.append(Tag.v4Port)
                writeAtom(port.node)
                put64(port.id)
            } else {
                bytes.append(Tag.newPort)
                writeAtom(port.node)
                put32(UInt32(port.id))
            }
            put32(port.creation)
        case .reference(let ref):
            bytes.append(Tag.newerReference)
            put16(UInt16(ref.words.count))
            writeAtom(ref.node)
            put32(ref.creation)
            for word in ref.words { put32(word) }
        case .fun(let fun):
            writeFun(fun, stack: &stack)
        }
    }

    /// A proper list of bytes shorter than 65536 elements is a STRING (as erl writes it); any
    /// other list is LIST: count, elements, tail.
    private mutating func writeList(_ list: Term, stack: inout [Work]) {
        var count = 0
        var allBytes = true
        var current = list
        while case .cons(let cell) = current {
            count += 1
            if allBytes, case .int(let value) = cell.head, (0...255).contains(value) {} else { allBytes = false }
            current = cell.tail
        }
        if allBytes, count < 65536, case .emptyList = current {
            bytes.append(Tag.string)
            put16(UInt16(count))
            current = list
            while case .cons(let cell) = current {
                if case .int(let value) = cell.head { bytes.append(UInt8(value)) }
                current = cell.tail
            }
            return
        }
        bytes.append(Tag.list)
        put32(UInt32(truncatingIfNeeded: count))
        stack.append(.listRest(list))
    }

    private mutating func writeFun(_ fun: Fun, stack: inout [Work]) {
        switch fun.kind {
        case let .export(module, function, arity):
            bytes.append(Tag.export)
            writeAtom(module)
            writeAtom(function)
            bytes.append(Tag.smallInteger)
            bytes.append(UInt8(truncatingIfNeeded: arity))
        case .foreign(let foreign):
            bytes.append(Tag.newFun)
            let sizeAt = bytes.count
            put32(0)
            bytes.append(foreign.arity)
            var uniq = foreign.uniq
            uniq.append(contentsOf: repeatElement(0, count: max(0, 16 - uniq.count)))
            bytes.append(contentsOf: uniq.prefix(16))
            put32(foreign.index)
            put32(UInt32(foreign.freeVariables.count))
            writeAtom(foreign.module)
            stack.append(.funSize(at: sizeAt))
            for variable in foreign.freeVariables.reversed() { stack.append(.term(variable)) }
            stack.append(.term(foreign.pid))
            stack.append(.term(foreign.oldUniq))
            stack.append(.term(foreign.oldIndex))
        case .closure(let closure):
            var replacement = closureEncoding(closure)
            // A hook that answers with the closure itself would loop for ever.
            if case .fun(let other) = replacement, case .closure = other.kind {
                replacement = ETFEncoder.describeClosure(closure)
            }
            stack.append(.term(replacement))
        }
    }
}

extension Term {
    /// A term the writer puts out whole, with nothing pushed for later.
    fileprivate var isScalar: Bool {
        switch self {
        case .atom, .int, .bigInteger, .float, .binary, .bitstring, .emptyList, .pid, .port, .reference: true
        case .cons, .tuple, .map, .fun: false
        }
    }
}

// MARK: - Scalars

extension TermWriter {
    mutating func writeAtom(_ atom: Atom) {
        if let reference = atomCache?.reference(for: atom) {
            bytes.append(Tag.atomCacheRef)
            bytes.append(reference)
            return
        }
        let text = atom.text.utf8
        let count = text.count
        if count <= 255 {
            bytes.append(Tag.smallAtomUTF8)
            bytes.append(UInt8(count))
        } else {
            bytes.append(Tag.atomUTF8)
            put16(UInt16(truncatingIfNeeded: count))
        }
        bytes.append(contentsOf: text)
    }

    mutating func writeInt(_ value: Int) {
        if (0...255).contains(value) {
            bytes.append(Tag.smallInteger)
            bytes.append(UInt8(value))
        } else if let word = Int32(exactly: value) {
            bytes.append(Tag.integer)
            put32(UInt32(bitPattern: word))
        } else {
            var magnitude = value.magnitude
            let count = (UInt64.bitWidth - UInt64(magnitude).leadingZeroBitCount + 7) / 8
            bytes.append(Tag.smallBig)
            bytes.append(UInt8(count))
            bytes.append(value < 0 ? 1 : 0)
            for _ in 0..<count {
                bytes.append(UInt8(truncatingIfNeeded: magnitude))
                magnitude >>= 8
            }
        }
    }

    /// SMALL_BIG up to 255 digit bytes, LARGE_BIG beyond: sign, then little-endian digits.
    mutating func writeBig(_ value: BigInt) {
        if let small = Int(exactly: value) {
            writeInt(small)
            return
        }
        let magnitude = value.magnitude
        let count = (magnitude.bitWidth + 7) / 8
        if count <= 255 {
            bytes.append(Tag.smallBig)
            bytes.append(UInt8(count))
        } else {
            bytes.append(Tag.largeBig)
            put32(UInt32(truncatingIfNeeded: count))
        }
        bytes.append(value.sign == .minus ? 1 : 0)
        var written = 0
        for word in magnitude.words {
            var word = word
            for _ in 0..<MemoryLayout<UInt>.size where written < count {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
                written += 1
            }
        }
    }

    mutating func writePid(_ pid: Pid) {
        bytes.append(Tag.newPid)
        writeAtom(pid.node)
        put32(pid.id)
        put32(pid.serial)
        put32(pid.creation)
    }

    @inline(__always) mutating func put16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always) mutating func put32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always) mutating func put64(_ value: UInt64) {
        put32(UInt32(truncatingIfNeeded: value >> 32))
        put32(UInt32(truncatingIfNeeded: value))
    }

    mutating func put32(_ value: UInt32, at index: Int) {
        bytes[index] = UInt8(truncatingIfNeeded: value >> 24)
        bytes[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        bytes[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[index + 3] = UInt8(truncatingIfNeeded: value)
    }
}
