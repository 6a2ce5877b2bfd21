import ETF

/// Why a frame or a control message from a peer could not be read.
///
/// Each case carries what was seen, so a log line says what to look at. None of these is
/// recoverable on the same connection except `payloadTooDeep` and, at the caller's choice,
/// `unknownControlMessage` (a newer peer's signal kvsh does not know: log it and drop it).
public enum DistributionError: Error, Equatable, Sendable {
    /// A length prefix larger than the parser accepts. Checked before anything is allocated.
    /// Probably a peer out of step with the framing, or something that is not Erlang distribution
    /// at all (an HTTP request sent to the distribution port reads as a length of about 1.2 GB).
    case frameTooLarge(size: Int, limit: Int)
    /// A connected-state frame that starts with neither 112 (pass-through) nor 131 68 (a
    /// distribution header with the atom cache). kvsh never negotiates fragments, so 69
    /// (`DIST_FRAG_HEADER`) after 131 means the peer ignored the negotiated flags.
    case unexpectedFrameType(UInt8)
    /// A control tuple whose opcode kvsh does not model: a signal of a newer peer, or one kvsh
    /// never negotiated (`NODE_LINK`, the trace-token forms it does not read).
    case unknownControlMessage(opcode: Int)
    /// The control term or its payload has the wrong shape: not a tuple, the wrong arity, or a
    /// field of the wrong type. `opcode` is nil when the term is not even a tuple starting with
    /// an integer.
    case malformedControlMessage(opcode: Int?, String)
    /// A control message that needs a payload term (SEND, EXIT with payload, ...) ended after the
    /// control term.
    case missingPayload(opcode: Int)
    /// Bytes left in the frame after the terms its control message calls for.
    case trailingBytes(count: Int, opcode: Int)
    /// The control term or the payload is not valid External Term Format. Offsets in the wrapped
    /// error count from the start of the frame body (the 112 byte).
    case badTerm(ETFDecodingError)
    /// A well-formed message whose payload nests deeper than kvsh's terms can (a BEAM node
    /// takes 100,000 levels; kvsh's `Term` recurses through nesting). The frame is whole, so
    /// the connection goes on without it; `message` is the signal with a placeholder payload,
    /// for an answer where the sender waits for one (a spawn request).
    case payloadTooDeep(limit: Int, opcode: Int, message: ControlMessage?)
}
