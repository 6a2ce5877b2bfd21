import NIOCore

/// Requests on the wire: `Length:16 | Code:8 | fields`, big-endian.
extension PortMapperRequest {
    /// The longest request body a mapper buffers by default, as epmd's own input buffer: a node
    /// name of 255 bytes leaves room for 700 bytes of extra.
    public static let defaultMaximumLength = 1024

    /// Appends the request, length prefix included.
    /// - Throws: ``PortMapperError`` for an empty or long name, or a request over 65535 bytes.
    public func encode(into buffer: inout ByteBuffer) throws {
        switch self {
        case .alive2(let node):
            try PortMapperNode.validate(name: node.name)
            let length = 1 + ByteBuffer.portMapperNodeSize(node)
            guard length <= Int(UInt16.max) else {
                throw PortMapperError.tooLong(what: "ALIVE2_REQ", length: length, limit: Int(UInt16.max))
            }
            buffer.writeInteger(UInt16(length))
            buffer.writeInteger(Code.alive2.rawValue)
            buffer.writePortMapperNode(node)
        case .portPlease2(let name):
            try PortMapperNode.validate(name: name)
            buffer.writeInteger(UInt16(1 + name.utf8.count))
            buffer.writeInteger(Code.portPlease2.rawValue)
            buffer.writeString(name)
        case .names:
            buffer.writeInteger(UInt16(1))
            buffer.writeInteger(Code.names.rawValue)
        }
    }

    /// Takes one request off the front of `buffer`.
    ///
    /// A length over the limit or an unknown code is refused as soon as its bytes arrive, so a
    /// mapper never buffers a garbage request. As epmd does, `NAMES_REQ` ignores anything after
    /// its code within the declared length.
    /// - Parameter maximumLength: the longest body accepted.
    /// - Returns: the request, or nil (the buffer untouched) when it is not complete yet.
    /// - Throws: ``PortMapperError/unknownRequest(_:)``, ``PortMapperError/tooLong(what:length:limit:)``
    ///   or ``PortMapperError/malformed(_:)``.
    public static func decode(from buffer: inout ByteBuffer, maximumLength: Int = defaultMaximumLength) throws -> PortMapperRequest? {
        let start = buffer.readerIndex
        guard let length = buffer.getInteger(at: start, as: UInt16.self).map(Int.init) else { return nil }
        guard length > 0 else { throw PortMapperError.malformed("request of length 0") }
        guard length <= maximumLength else {
            throw PortMapperError.tooLong(what: "request", length: length, limit: maximumLength)
        }
        guard let codeByte = buffer.getInteger(at: start + 2, as: UInt8.self) else { return nil }
        guard let code = Code(rawValue: codeByte) else { throw PortMapperError.unknownRequest(codeByte) }
        guard let body = buffer.getSlice(at: start + 3, length: length - 1) else { return nil }
        let request: PortMapperRequest
        switch code {
        case .names:
            request = .names
        case .portPlease2:
            request = .portPlease2(name: try ByteBuffer.nodeName(Array(body.readableBytesView), in: "PORT_PLEASE2_REQ"))
        case .alive2:
            guard let (node, end) = try body.getPortMapperNode(at: body.readerIndex, in: "ALIVE2_REQ") else {
                throw PortMapperError.malformed("ALIVE2_REQ: length \(length) ends inside the node fields")
            }
            guard end == body.writerIndex else {
                throw PortMapperError.malformed("ALIVE2_REQ: \(body.writerIndex - end) bytes after the extra field")
            }
            request = .alive2(node)
        }
        buffer.moveReaderIndex(forwardBy: 2 + length)
        return request
    }
}
