import ETF

/// The distribution handshake (version 6, OTP 23+), as a state machine without I/O.
///
/// The connection feeds it the body of each handshake frame (the transport strips the 2-byte
/// length) and carries out the directives it returns: bytes to send, a question for the
/// connection table, and finally `established` or `fail`. One state per message, as
/// `dist_util` runs it:
///
/// ```
/// initiator A                         acceptor B
///   send_name 'N' ─────────────────▶  (checkPeer: is A known already?)
///                 ◀───────────────── 's' status
///                 ◀───────────────── 'N' challenge (B's challenge)
///   'r' A's challenge + digest ────▶  (B checks the digest)
///                 ◀───────────────── 'a' digest of A's challenge
/// ```
public struct Handshake: Sendable {
    /// What this side is: our name, capabilities and creation.
    public struct Identity: Sendable {
        public let name: Atom
        public let flags: DistributionFlags
        public let creation: UInt32
        public init(name: Atom, flags: DistributionFlags = .kvsh, creation: UInt32) {
            self.name = name
            self.flags = flags
            self.creation = creation
        }
    }

    /// The other side once the handshake is over.
    public struct Peer: Sendable, Equatable {
        public let name: Atom
        /// The flags both sides have: ours AND theirs.
        public let flags: DistributionFlags
        public let creation: UInt32
    }

    /// What the acceptor answers to a `send_name`, decided by the connection table.
    public enum Status: String, Sendable {
        /// No connection to that node: go on.
        case ok
        /// We were connecting to it at the same time and give way: our attempt is dropped.
        case okSimultaneous = "ok_simultaneous"
        /// We were connecting to it at the same time and win: this attempt is refused.
        case nok
        /// The name is not acceptable (a bad name, or our own).
        case notAllowed = "not_allowed"
        /// We have a live connection to that node: the initiator says whether it is stale.
        case alive
    }

    public enum Directive: Sendable, Equatable {
        /// Send this handshake message (the transport adds the 2-byte length).
        case send([UInt8])
        /// Acceptor only: ask the connection table about this peer, then call `resolve(_:)`.
        case checkPeer(Atom)
        /// Initiator only, after `alive`: ask the connection table whether this attempt is still
        /// the one it wants (it may have taken the peer's own connection meanwhile), then call
        /// `answerAlive(_:)`.
        case confirmAlive(Atom)
        /// Acceptor only, after `alive`: the initiator says our old connection is stale; drop it.
        case replaceExisting(Atom)
        case established(Peer)
        /// Close the connection; log the error.
        case fail(HandshakeError)
    }

    private enum State: Sendable {
        case initiatorStart
        case awaitingStatus
        case awaitingAliveDecision
        case awaitingChallenge
        case awaitingAck(peer: Peer, ourChallenge: UInt32)
        case acceptorAwaitingName
        case awaitingDecision(name: Atom, flags: DistributionFlags, creation: UInt32)
        case awaitingAliveAnswer(name: Atom, flags: DistributionFlags, creation: UInt32)
        case awaitingReply(peer: Peer)
        case done
    }

    private let identity: Identity
    private let cookie: String
    private let challenge: UInt32
    /// The node the initiator dialed; the acceptor must turn out to be that node.
    private let expectedPeer: Atom?
    private var state: State

    /// - Parameters:
    ///   - peer: the node we dial.
    ///   - challenge: our random challenge (`UInt32.random(in:)`; fixed in tests).
    public init(initiator identity: Identity, peer: Atom, cookie: String, challenge: UInt32) {
        self.identity = identity
        self.cookie = cookie
        self.challenge = challenge
        expectedPeer = peer
        state = .initiatorStart
    }

    public init(acceptor identity: Identity, cookie: String, challenge: UInt32) {
        self.identity = identity
        self.cookie = cookie
        self.challenge = challenge
        expectedPeer = nil
        state = .acceptorAwaitingName
    }

    /// The first directives: the initiator's `send_name`; nothing for the acceptor.
    public mutating func start() -> [Directive] {
        guard case .initiatorStart = state else { return [] }
        state = .awaitingStatus
        var message: [UInt8] = [UInt8(ascii: "N")]
        message.appendBigEndian(identity.flags.rawValue)
        message.appendBigEndian(identity.creation)
        message.appendName(identity.name)
        return [.send(message)]
    }

    /// Feeds one handshake message (a frame body).
    public mutating func receive(_ message: [UInt8]) -> [Directive] {
        var reader = ByteReader(message)
        do {
            return try step(&reader)
        } catch {
            state = .done
            return [.fail(error)]
        }
    }

    /// The acceptor's answer after `checkPeer`.
    public mutating func resolve(_ status: Status) -> [Directive] {
        guard case let .awaitingDecision(name, flags, creation) = state else { return [] }
        let statusMessage = [UInt8(ascii: "s")] + Array(status.rawValue.utf8)
        switch status {
        case .ok, .okSimultaneous:
            return [.send(statusMessage)] + sendChallenge(name: name, flags: flags, creation: creation)
        case .alive:
            state = .awaitingAliveAnswer(name: name, flags: flags, creation: creation)
            return [.send(statusMessage)]
        case .nok, .notAllowed:
            state = .done
            return [.send(statusMessage), .fail(.refused(peer: name, status: status.rawValue))]
        }
    }

    /// The initiator's answer after `confirmAlive`: true replaces the acceptor's connection
    /// with this one; false ends this attempt (`refused` with status `alive`).
    public mutating func answerAlive(_ stillWanted: Bool) -> [Directive] {
        guard case .awaitingAliveDecision = state else { return [] }
        let answer = [UInt8(ascii: "s")] + Array((stillWanted ? "true" : "false").utf8)
        guard stillWanted else {
            state = .done
            return [.send(answer), .fail(.refused(peer: expectedPeer ?? identity.name, status: "alive"))]
        }
        state = .awaitingChallenge
        return [.send(answer)]
    }

    // MARK: - Steps

    private mutating func step(_ reader: inout ByteReader) throws(HandshakeError) -> [Directive] {
        let tag = try reader.byte()
        switch (state, tag) {
        case (.awaitingStatus, UInt8(ascii: "s")):
            let status = String(decoding: reader.rest(), as: UTF8.self)
            switch status {
            case "ok", "ok_simultaneous":
                state = .awaitingChallenge
                return []
            case "alive":
                // They have a connection to us. Ours is the one to keep only if our table still
                // waits for this attempt; then theirs is stale.
                state = .awaitingAliveDecision
                return [.confirmAlive(expectedPeer ?? identity.name)]
            default:
                state = .done
                return [.fail(.refused(peer: expectedPeer ?? identity.name, status: status))]
            }

        case (.awaitingChallenge, UInt8(ascii: "N")):
            let flags = DistributionFlags(rawValue: try reader.uint64())
            let theirChallenge = try reader.uint32()
            let creation = try reader.uint32()
            let name = try reader.name()
            try reader.end()
            guard let expectedPeer, name == expectedPeer.text else {
                throw .wrongPeerName(expected: expectedPeer?.text ?? "", got: name)
            }
            try Self.checkMandatory(flags, peer: name)
            let peer = Peer(name: expectedPeer, flags: flags.intersection(identity.flags), creation: creation)
            state = .awaitingAck(peer: peer, ourChallenge: challenge)
            var reply: [UInt8] = [UInt8(ascii: "r")]
            reply.appendBigEndian(challenge)
            reply += Cookie.digest(cookie: cookie, challenge: theirChallenge)
            return [.send(reply)]

        case (.awaitingAck(let peer, let ourChallenge), UInt8(ascii: "a")):
            let digest = try reader.bytes(16)
            try reader.end()
            guard digest == Cookie.digest(cookie: cookie, challenge: ourChallenge) else {
                throw .invalidChallengeAck(peer: peer.name.text)
            }
            state = .done
            return [.established(peer)]

        case (.acceptorAwaitingName, UInt8(ascii: "N")):
            let flags = DistributionFlags(rawValue: try reader.uint64())
            let creation = try reader.uint32()
            let nameText = try reader.name()
            try reader.end()
            try Self.checkMandatory(flags, peer: nameText)
            guard Self.isValidNodeName(nameText), let name = try? Atom.intern(nameText) else {
                throw .badNodeName(nameText)
            }
            state = .awaitingDecision(name: name, flags: flags, creation: creation)
            return [.checkPeer(name)]

        case (.acceptorAwaitingName, UInt8(ascii: "n")):
            throw .unsupportedVersion

        case (.awaitingAliveAnswer(let name, let flags, let creation), UInt8(ascii: "s")):
            let answer = String(decoding: reader.rest(), as: UTF8.self)
            guard answer == "true" else {
                state = .done
                return [.fail(.refused(peer: name, status: "alive/\(answer)"))]
            }
            return [.replaceExisting(name)] + sendChallenge(name: name, flags: flags, creation: creation)

        case (.awaitingReply(let peer), UInt8(ascii: "r")):
            let theirChallenge = try reader.uint32()
            let digest = try reader.bytes(16)
            try reader.end()
            guard digest == Cookie.digest(cookie: cookie, challenge: challenge) else {
                throw .invalidChallengeReply(peer: peer.name.text)
            }
            state = .done
            return [.send([UInt8(ascii: "a")] + Cookie.digest(cookie: cookie, challenge: theirChallenge)), .established(peer)]

        default:
            throw .unexpectedMessage(tag: tag)
        }
    }

    private mutating func sendChallenge(name: Atom, flags: DistributionFlags, creation: UInt32) -> [Directive] {
        state = .awaitingReply(peer: Peer(name: name, flags: flags.intersection(identity.flags), creation: creation))
        var message: [UInt8] = [UInt8(ascii: "N")]
        message.appendBigEndian(identity.flags.rawValue)
        message.appendBigEndian(challenge)
        message.appendBigEndian(identity.creation)
        message.appendName(identity.name)
        return [.send(message)]
    }

    private static func checkMandatory(_ flags: DistributionFlags, peer: String) throws(HandshakeError) {
        let missing = DistributionFlags.mandatory.subtracting(flags)
        guard missing.isEmpty else { throw .missingFlags(peer: peer, missing: missing.names) }
    }

    /// `alive@host`: both parts non-empty, as `dist_util` checks a peer's name.
    static func isValidNodeName(_ name: String) -> Bool {
        let parts = name.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && name.utf8.count <= 255
    }
}

/// Why a handshake failed. `logLine` is what the node logs, in OTP's words where OTP has them.
public enum HandshakeError: Error, Sendable, Equatable {
    case truncated
    case trailingBytes(Int)
    case unexpectedMessage(tag: UInt8)
    /// An old `'n'` send_name: OTP 25 accepts only `'N'` (version 6) too.
    case unsupportedVersion
    case badNodeName(String)
    case missingFlags(peer: String, missing: [String])
    case wrongPeerName(expected: String, got: String)
    /// The initiator's digest is wrong: it has another cookie.
    case invalidChallengeReply(peer: String)
    /// The acceptor's digest is wrong: it has another cookie.
    case invalidChallengeAck(peer: String)
    case refused(peer: Atom, status: String)
    case timedOut

    public var logLine: String {
        switch self {
        case .invalidChallengeReply(let peer):
            "** Connection attempt from node \(Term.atom(Atom(peer)).inspect()) rejected. Invalid challenge reply. **"
        case .invalidChallengeAck(let peer):
            "** Connection attempt to node \(Term.atom(Atom(peer)).inspect()) rejected. Invalid challenge ack (wrong cookie?). **"
        case .missingFlags(let peer, let missing):
            "** Connection attempt from node \(peer) rejected since it cannot handle \(missing). **"
        case .wrongPeerName(let expected, let got):
            "** Connection attempt to node \(expected) answered by node \(got); giving up. **"
        case .refused(let peer, let status):
            "** Connection to node \(Term.atom(peer).inspect()) refused: \(status) **"
        case .badNodeName(let name):
            "** Connection attempt from disallowed node name \(name.debugDescription) **"
        case .unsupportedVersion:
            "** Connection attempt with an unsupported handshake version (before OTP 23) **"
        case .timedOut:
            "** Distribution handshake timed out **"
        case .truncated, .trailingBytes, .unexpectedMessage:
            "** Malformed distribution handshake message: \(self) (probably not an Erlang node) **"
        }
    }
}

extension DistributionFlags {
    /// OTP's names for flags, as its log lines list what a peer lacks.
    var names: [String] {
        let known: [(DistributionFlags, String)] = [
            (.extendedReferences, "EXTENDED_REFERENCES"), (.funTags, "FUN_TAGS"),
            (.newFunTags, "NEW_FUN_TAGS"), (.extendedPidsPorts, "EXTENDED_PIDS_PORTS"),
            (.exportPtrTag, "EXPORT_PTR_TAG"), (.bitBinaries, "BIT_BINARIES"), (.newFloats, "NEW_FLOATS"),
            (.utf8Atoms, "UTF8_ATOMS"), (.mapTag, "MAP_TAG"), (.bigCreation, "BIG_CREATION"),
            (.handshake23, "HANDSHAKE_23"), (.unlinkID, "UNLINK_ID"), (.v4NC, "V4_NC"),
            (.distMonitor, "DIST_MONITOR"), (.distMonitorName, "DIST_MONITOR_NAME"),
        ]
        return known.filter { contains($0.0) }.map(\.1)
    }
}

// MARK: - Bytes

/// Reads big-endian fields from a handshake message, failing with `truncated` past its end.
private struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() throws(HandshakeError) -> UInt8 { try bytes(1)[0] }

    mutating func bytes(_ count: Int) throws(HandshakeError) -> [UInt8] {
        guard bytes.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32() throws(HandshakeError) -> UInt32 {
        try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64() throws(HandshakeError) -> UInt64 {
        try bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A 16-bit length and that many bytes of UTF-8.
    mutating func name() throws(HandshakeError) -> String {
        let length = try bytes(2).reduce(0) { $0 << 8 | Int($1) }
        return String(decoding: try bytes(length), as: UTF8.self)
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    func end() throws(HandshakeError) {
        guard offset == bytes.count else { throw .trailingBytes(bytes.count - offset) }
    }
}

extension [UInt8] {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func appendName(_ name: Atom) {
        let utf8 = Array(name.text.utf8)
        appendBigEndian(UInt16(utf8.count))
        append(contentsOf: utf8)
    }
}
