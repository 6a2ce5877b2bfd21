import ETF
import NIOCore

// MARK: - Encoding

extension ControlMessage {
    /// The first byte of a connected-state frame without a distribution header (`PASS_THROUGH`).
    public static let passThrough: UInt8 = 112

    /// The control tuple and the payload term this message travels as.
    ///
    /// Exits always take their payload forms (24, 26, 28): kvsh always negotiates EXIT_PAYLOAD,
    /// and OTP sends only those forms once it is negotiated.
    public var wireTerms: (control: Term, payload: Term?) {
        switch self {
        case let .link(from, to):
            (.tuple([.int(Opcode.link), .pid(from), .pid(to)]), nil)
        case let .send(to, message):
            (.tuple([.int(Opcode.send), .atom(.empty), .pid(to)]), message)
        case let .exit(from, to, reason):
            (.tuple([.int(Opcode.payloadExit), .pid(from), .pid(to)]), reason)
        case let .unlink(from, to):
            (.tuple([.int(Opcode.unlink), .pid(from), .pid(to)]), nil)
        case let .regSend(from, toName, message):
            (.tuple([.int(Opcode.regSend), .pid(from), .atom(.empty), .atom(toName)]), message)
        case let .groupLeader(from, to):
            (.tuple([.int(Opcode.groupLeader), .pid(from), .pid(to)]), nil)
        case let .exit2(from, to, reason):
            (.tuple([.int(Opcode.payloadExit2), .pid(from), .pid(to)]), reason)
        case let .monitor(from, target, ref):
            (.tuple([.int(Opcode.monitor), .pid(from), target.term, .reference(ref)]), nil)
        case let .demonitor(from, target, ref):
            (.tuple([.int(Opcode.demonitor), .pid(from), target.term, .reference(ref)]), nil)
        case let .monitorExit(target, to, ref, reason):
            (.tuple([.int(Opcode.payloadMonitorExit), target.term, .pid(to), .reference(ref)]), reason)
        case let .sendSender(from, to, message):
            (.tuple([.int(Opcode.sendSender), .pid(from), .pid(to)]), message)
        case let .spawnRequest(id, from, groupLeader, module, function, arity, options, arguments):
            (.tuple([
                .int(Opcode.spawnRequest), .reference(id), .pid(from), .pid(groupLeader),
                .tuple([.atom(module), .atom(function), .int(arity)]), options,
            ]), arguments)
        case let .spawnReply(id, to, flags, result):
            (.tuple([.int(Opcode.spawnReply), .reference(id), .pid(to), .int(flags.rawValue), result]), nil)
        case let .aliasSend(from, alias, message):
            (.tuple([.int(Opcode.aliasSend), .pid(from), .reference(alias)]), message)
        case let .unlinkID(id, from, to):
            (.tuple([.int(Opcode.unlinkID), Self.term(unlinkID: id), .pid(from), .pid(to)]), nil)
        case let .unlinkIDAck(id, from, to):
            (.tuple([.int(Opcode.unlinkIDAck), Self.term(unlinkID: id), .pid(from), .pid(to)]), nil)
        }
    }

    /// The body of one connected-state frame, without its 4-byte length:
    /// `112 | 131 control | [131 payload]`.
    public var frameBytes: [UInt8] {
        var bytes: [UInt8] = []
        encodeFrame(into: &bytes)
        return bytes
    }

    /// Appends the frame body (`112 | 131 control | [131 payload]`, no length) to `bytes`; with an
    /// atom cache, `131 68 header | control | [payload]`, the terms' atoms by reference where the
    /// cache allows.
    /// - Parameter encoder: decides how kvsh's own closures travel; the default describes them.
    /// - Parameter atomCache: the connection's sending cache, when both sides negotiated
    ///   `DIST_HDR_ATOM_CACHE`; messages must then be encoded in the order they are sent.
    public func encodeFrame(
        into bytes: inout [UInt8], using encoder: ETFEncoder = ETFEncoder(), atomCache: AtomCacheEncoder? = nil
    ) {
        let (control, payload) = wireTerms
        guard let atomCache else {
            bytes.append(Self.passThrough)
            bytes.append(ExternalTermFormat.version)
            encoder.encode(control, into: &bytes)
            if let payload {
                bytes.append(ExternalTermFormat.version)
                encoder.encode(payload, into: &bytes)
            }
            return
        }
        // The header lists the atoms the terms use, so it is written after them and put first.
        atomCache.beginMessage()
        let start = bytes.count
        encoder.encode(control, into: &bytes, atomCache: atomCache)
        if let payload { encoder.encode(payload, into: &bytes, atomCache: atomCache) }
        var header: [UInt8] = []
        atomCache.writeHeader(into: &header)
        bytes.insert(contentsOf: header, at: start)
    }

    /// OTP's unlink ids are unsigned 64-bit: most fit a word, the rest travel as a big integer.
    private static func term(unlinkID id: UInt64) -> Term {
        if let small = Int(exactly: id) { return .int(small) }
        return .integer(.init(id))
    }
}

extension MonitorTarget {
    var term: Term {
        switch self {
        case .pid(let pid): .pid(pid)
        case .name(let name): .atom(name)
        }
    }
}

// MARK: - Decoding

extension ControlMessage {
    /// Reads one connected-state frame body (without its length): `112 | 131 control | [131 payload]`,
    /// or `131 68 header | control | [payload]` from a peer using the atom cache.
    ///
    /// Both the old and the payload forms of EXIT, EXIT2 and MONITOR_P_EXIT are accepted, and the
    /// trace-token forms of the modelled messages decode with their token dropped.
    /// - Parameter limits: bounds for decoding the control term and the payload (atoms, depth,
    ///   inflated size); the frame parser has already bounded the frame's size.
    /// - Parameter atomCache: the connection's receiving cache; a frame with a header updates it.
    ///   Without one, a header can only name atoms it carries itself.
    /// - Throws: `DistributionError`: `.unexpectedFrameType` when the frame starts with neither
    ///   112 nor a distribution header (131 68), `.badTerm` for invalid ETF (or header),
    ///   `.unknownControlMessage`, `.malformedControlMessage`, `.missingPayload` or `.trailingBytes`.
    public static func decode(
        frameBody: [UInt8], limits: ETFDecoder.Limits = .default
    ) throws(DistributionError) -> ControlMessage {
        var atomCache = AtomCacheDecoder()
        let result = frameBody.withUnsafeBytes { raw in
            Result { () throws(DistributionError) in try decode(frameBody: raw, limits: limits, atomCache: &atomCache) }
        }
        return try result.get()
    }

    /// Reads one connected-state frame body from the readable bytes of `frameBody`, as
    /// `DistributionFrame.body` carries it. See `decode(frameBody:limits:)` for `[UInt8]`.
    public static func decode(
        frameBody: ByteBuffer, limits: ETFDecoder.Limits = .default, atomCache: inout AtomCacheDecoder
    ) throws(DistributionError) -> ControlMessage {
        let result = frameBody.withUnsafeReadableBytes { raw in
            Result { () throws(DistributionError) in try decode(frameBody: raw, limits: limits, atomCache: &atomCache) }
        }
        return try result.get()
    }

    private static func decode(
        frameBody raw: UnsafeRawBufferPointer, limits: ETFDecoder.Limits, atomCache: inout AtomCacheDecoder
    ) throws(DistributionError) -> ControlMessage {
        guard let type = raw.first else { throw .badTerm(.truncated(offset: 0)) }
        let decoder = ETFDecoder(limits: limits)
        // The atoms a header named: terms after a header have no version byte of their own.
        var headerAtoms: [Atom]?
        var controlStart = 1
        switch type {
        case passThrough:
            break
        case ExternalTermFormat.version where raw.count > 1 && raw[1] == AtomCache.headerTag:
            do {
                (headerAtoms, controlStart) = try atomCache.readHeader(raw, at: 0, limits: limits)
            } catch {
                throw .badTerm(error)
            }
        default:
            throw .unexpectedFrameType(type == ExternalTermFormat.version && raw.count > 1 ? raw[1] : type)
        }
        func readTerm(_ offset: Int) throws(DistributionError) -> (Term, Int) {
            try decodeTerm(raw, at: offset, with: decoder, headerAtoms: headerAtoms)
        }
        let (control, controlEnd) = try readTerm(controlStart)
        let fields = try ControlFields(control)
        let build = try fields.message()
        var end = controlEnd
        let message: ControlMessage
        switch build {
        case .complete(let complete):
            message = complete
        case .awaitingPayload(let finish):
            guard end < raw.count else { throw .missingPayload(opcode: fields.opcode) }
            let payload: Term
            do {
                (payload, end) = try readTerm(end)
            } catch .badTerm(.nestingTooDeep(let limit, _)) {
                throw .payloadTooDeep(limit: limit, opcode: fields.opcode, message: try? finish(.emptyList))
            }
            message = try finish(payload)
        }
        guard end == raw.count else { throw .trailingBytes(count: raw.count - end, opcode: fields.opcode) }
        return message
    }

    private static func decodeTerm(
        _ raw: UnsafeRawBufferPointer, at offset: Int, with decoder: ETFDecoder, headerAtoms: [Atom]?
    ) throws(DistributionError) -> (Term, Int) {
        do {
            if let headerAtoms { return try decoder.decode(afterHeader: raw, at: offset, atomCacheRefs: headerAtoms) }
            return try decoder.decode(raw, at: offset)
        } catch {
            throw .badTerm(error)
        }
    }
}

// MARK: - Opcodes and shapes

extension ControlMessage {
    /// The opcodes of the control tuples (`DOP_*` in OTP's `dist.h`), the trace-token forms
    /// included so they can be read.
    enum Opcode {
        static let link = 1
        static let send = 2
        static let exit = 3
        static let unlink = 4
        static let regSend = 6
        static let groupLeader = 7
        static let exit2 = 8
        static let sendTT = 12
        static let exitTT = 13
        static let regSendTT = 16
        static let exit2TT = 18
        static let monitor = 19
        static let demonitor = 20
        static let monitorExit = 21
        static let sendSender = 22
        static let sendSenderTT = 23
        static let payloadExit = 24
        static let payloadExitTT = 25
        static let payloadExit2 = 26
        static let payloadExit2TT = 27
        static let payloadMonitorExit = 28
        static let spawnRequest = 29
        static let spawnRequestTT = 30
        static let spawnReply = 31
        static let spawnReplyTT = 32
        static let aliasSend = 33
        static let aliasSendTT = 34
        static let unlinkID = 35
        static let unlinkIDAck = 36
    }

    /// The arity of each readable control tuple, and for a trace-token form the opcode it is read
    /// as and where its token sits (last, except in EXIT_TT and EXIT2_TT where the reason follows).
    struct Shape {
        let opcode: Int
        let arity: Int
        let base: Int
        let traceToken: Int?

        init(_ opcode: Int, arity: Int, readAs base: Int? = nil, traceToken: Int? = nil) {
            self.opcode = opcode
            self.arity = arity
            self.base = base ?? opcode
            self.traceToken = traceToken
        }

        static let all: [Int: Shape] = Dictionary(uniqueKeysWithValues: [
            Shape(Opcode.link, arity: 3),
            Shape(Opcode.send, arity: 3),
            Shape(Opcode.exit, arity: 4),
            Shape(Opcode.unlink, arity: 3),
            Shape(Opcode.regSend, arity: 4),
            Shape(Opcode.groupLeader, arity: 3),
            Shape(Opcode.exit2, arity: 4),
            Shape(Opcode.sendTT, arity: 4, readAs: Opcode.send, traceToken: 3),
            Shape(Opcode.exitTT, arity: 5, readAs: Opcode.exit, traceToken: 3),
            Shape(Opcode.regSendTT, arity: 5, readAs: Opcode.regSend, traceToken: 4),
            Shape(Opcode.exit2TT, arity: 5, readAs: Opcode.exit2, traceToken: 3),
            Shape(Opcode.monitor, arity: 4),
            Shape(Opcode.demonitor, arity: 4),
            Shape(Opcode.monitorExit, arity: 5),
            Shape(Opcode.sendSender, arity: 3),
            Shape(Opcode.sendSenderTT, arity: 4, readAs: Opcode.sendSender, traceToken: 3),
            Shape(Opcode.payloadExit, arity: 3),
            Shape(Opcode.payloadExitTT, arity: 4, readAs: Opcode.payloadExit, traceToken: 3),
            Shape(Opcode.payloadExit2, arity: 3),
            Shape(Opcode.payloadExit2TT, arity: 4, readAs: Opcode.payloadExit2, traceToken: 3),
            Shape(Opcode.payloadMonitorExit, arity: 4),
            Shape(Opcode.spawnRequest, arity: 6),
            Shape(Opcode.spawnRequestTT, arity: 7, readAs: Opcode.spawnRequest, traceToken: 6),
            Shape(Opcode.spawnReply, arity: 5),
            Shape(Opcode.spawnReplyTT, arity: 6, readAs: Opcode.spawnReply, traceToken: 5),
            Shape(Opcode.aliasSend, arity: 3),
            Shape(Opcode.aliasSendTT, arity: 4, readAs: Opcode.aliasSend, traceToken: 3),
            Shape(Opcode.unlinkID, arity: 4),
            Shape(Opcode.unlinkIDAck, arity: 4),
        ].map { ($0.opcode, $0) })
    }
}

// MARK: - Reading the control tuple

/// The elements of a control tuple whose opcode and arity are known good, with typed accessors
/// that name the field (as `erl_dist_protocol.md` does) when it has the wrong type.
struct ControlFields {
    /// What is left to do once the control tuple is read: nothing, or read the payload term.
    enum Build {
        case complete(ControlMessage)
        case awaitingPayload((Term) throws(DistributionError) -> ControlMessage)
    }

    typealias Opcode = ControlMessage.Opcode

    /// The opcode as sent (a trace-token form keeps its own, so errors name what the peer sent).
    let opcode: Int
    let base: Int
    /// The tuple's elements with any trace token removed; element 0 is the opcode.
    let elements: [Term]

    init(_ control: Term) throws(DistributionError) {
        guard case .tuple(var elements) = control, case .int(let opcode)? = elements.first else {
            throw .malformedControlMessage(
                opcode: nil, "control term is \(control.kindDescription), expected a tuple starting with the opcode")
        }
        guard let shape = ControlMessage.Shape.all[opcode] else { throw .unknownControlMessage(opcode: opcode) }
        guard elements.count == shape.arity else {
            throw .malformedControlMessage(opcode: opcode, "tuple of \(elements.count) elements, expected \(shape.arity)")
        }
        if let token = shape.traceToken { elements.remove(at: token) }
        self.opcode = opcode
        self.base = shape.base
        self.elements = elements
    }

    func message() throws(DistributionError) -> Build {
        switch base {
        case Opcode.link:
            return .complete(.link(from: try pid(1, "FromPid"), to: try pid(2, "ToPid")))
        case Opcode.send:
            let to = try pid(2, "ToPid")
            return .awaitingPayload { message in .send(to: to, message: message) }
        case Opcode.exit:
            return .complete(.exit(from: try pid(1, "FromPid"), to: try pid(2, "ToPid"), reason: elements[3]))
        case Opcode.unlink:
            return .complete(.unlink(from: try pid(1, "FromPid"), to: try pid(2, "ToPid")))
        case Opcode.regSend:
            let (from, name) = (try pid(1, "FromPid"), try atom(3, "ToName"))
            return .awaitingPayload { message in .regSend(from: from, toName: name, message: message) }
        case Opcode.groupLeader:
            return .complete(.groupLeader(from: try pid(1, "FromPid"), to: try pid(2, "ToPid")))
        case Opcode.exit2:
            return .complete(.exit2(from: try pid(1, "FromPid"), to: try pid(2, "ToPid"), reason: elements[3]))
        case Opcode.monitor:
            return .complete(.monitor(from: try pid(1, "FromPid"), target: try target(2, "ToProc"), ref: try reference(3, "Ref")))
        case Opcode.demonitor:
            return .complete(.demonitor(from: try pid(1, "FromPid"), target: try target(2, "ToProc"), ref: try reference(3, "Ref")))
        case Opcode.monitorExit:
            return .complete(.monitorExit(
                target: try target(1, "FromProc"), to: try pid(2, "ToPid"), ref: try reference(3, "Ref"), reason: elements[4]))
        case Opcode.sendSender:
            let (from, to) = (try pid(1, "FromPid"), try pid(2, "ToPid"))
            return .awaitingPayload { message in .sendSender(from: from, to: to, message: message) }
        case Opcode.payloadExit:
            let (from, to) = (try pid(1, "FromPid"), try pid(2, "ToPid"))
            return .awaitingPayload { reason in .exit(from: from, to: to, reason: reason) }
        case Opcode.payloadExit2:
            let (from, to) = (try pid(1, "FromPid"), try pid(2, "ToPid"))
            return .awaitingPayload { reason in .exit2(from: from, to: to, reason: reason) }
        case Opcode.payloadMonitorExit:
            let (target, to, ref) = (try target(1, "FromProc"), try pid(2, "ToPid"), try reference(3, "Ref"))
            return .awaitingPayload { reason in .monitorExit(target: target, to: to, ref: ref, reason: reason) }
        case Opcode.spawnRequest:
            return try spawnRequest()
        case Opcode.spawnReply:
            return .complete(try spawnReply())
        case Opcode.aliasSend:
            let (from, alias) = (try pid(1, "FromPid"), try reference(2, "Alias"))
            return .awaitingPayload { message in .aliasSend(from: from, alias: alias, message: message) }
        case Opcode.unlinkID:
            return .complete(.unlinkID(id: try unlinkID(1), from: try pid(2, "FromPid"), to: try pid(3, "ToPid")))
        case Opcode.unlinkIDAck:
            return .complete(.unlinkIDAck(id: try unlinkID(1), from: try pid(2, "FromPid"), to: try pid(3, "ToPid")))
        default:
            throw .unknownControlMessage(opcode: opcode)
        }
    }

    /// `{29, ReqId, From, GroupLeader, {Module, Function, Arity}, OptList}` + ArgList.
    private func spawnRequest() throws(DistributionError) -> Build {
        let (id, from, groupLeader) = (try reference(1, "ReqId"), try pid(2, "From"), try pid(3, "GroupLeader"))
        guard case .tuple(let mfa) = elements[4], mfa.count == 3,
              case .atom(let module) = mfa[0], case .atom(let function) = mfa[1],
              case .int(let arity) = mfa[2], (0...255).contains(arity)
        else {
            throw malformed("{Module, Function, Arity} is \(elements[4].kindDescription), expected {atom, atom, arity}")
        }
        let options = elements[5]
        guard options.isProperList else {
            throw malformed("OptList is \(options.kindDescription), expected a proper list")
        }
        return .awaitingPayload { arguments throws(DistributionError) in
            guard arguments.isProperList else {
                throw malformed("ArgList is \(arguments.kindDescription), expected a proper list")
            }
            return .spawnRequest(
                id: id, from: from, groupLeader: groupLeader, module: module, function: function, arity: arity,
                options: options, arguments: arguments)
        }
    }

    /// `{31, ReqId, To, Flags, Result}`, Result a pid or an error atom.
    private func spawnReply() throws(DistributionError) -> ControlMessage {
        let (id, to) = (try reference(1, "ReqId"), try pid(2, "To"))
        guard case .int(let flags) = elements[3], flags >= 0 else {
            throw malformed("Flags is \(elements[3].kindDescription), expected a non-negative integer")
        }
        switch elements[4] {
        case .pid, .atom: break
        default: throw malformed("Result is \(elements[4].kindDescription), expected a pid or an atom")
        }
        return .spawnReply(id: id, to: to, flags: SpawnReplyFlags(rawValue: flags), result: elements[4])
    }

    // MARK: Typed fields

    private func pid(_ index: Int, _ name: String) throws(DistributionError) -> Pid {
        guard case .pid(let pid) = elements[index] else { throw wrongType(index, name, expected: "a pid") }
        return pid
    }

    private func atom(_ index: Int, _ name: String) throws(DistributionError) -> Atom {
        guard case .atom(let atom) = elements[index] else { throw wrongType(index, name, expected: "an atom") }
        return atom
    }

    private func reference(_ index: Int, _ name: String) throws(DistributionError) -> Reference {
        guard case .reference(let ref) = elements[index] else { throw wrongType(index, name, expected: "a reference") }
        return ref
    }

    private func target(_ index: Int, _ name: String) throws(DistributionError) -> MonitorTarget {
        switch elements[index] {
        case .pid(let pid): return .pid(pid)
        case .atom(let name): return .name(name)
        default: throw wrongType(index, name, expected: "a pid or an atom")
        }
    }

    /// An unsigned 64-bit id: a small integer, or a big one for ids past `Int.max`.
    private func unlinkID(_ index: Int) throws(DistributionError) -> UInt64 {
        switch elements[index] {
        case .int(let id) where id >= 0: return UInt64(id)
        case .bigInteger(let big): if let id = UInt64(exactly: big.value) { return id }
        default: break
        }
        throw wrongType(index, "Id", expected: "an unsigned 64-bit integer")
    }

    private func wrongType(_ index: Int, _ name: String, expected: String) -> DistributionError {
        malformed("\(name) is \(elements[index].kindDescription), expected \(expected)")
    }

    private func malformed(_ description: String) -> DistributionError {
        .malformedControlMessage(opcode: opcode, description)
    }
}

extension Term {
    /// What kind of term this is, for error messages: "an atom", "a tuple of 2", "[]".
    var kindDescription: String {
        switch self {
        case .atom: "an atom"
        case .int, .bigInteger: "an integer"
        case .float: "a float"
        case .binary: "a binary"
        case .bitstring: "a bitstring"
        case .emptyList: "[]"
        case .cons: properList == nil ? "an improper list" : "a list"
        case .tuple(let elements): "a tuple of \(elements.count)"
        case .map: "a map"
        case .pid: "a pid"
        case .reference: "a reference"
        case .port: "a port"
        case .fun: "a fun"
        }
    }
}
