import NIOCore

/// Replies on the wire. Unlike requests they carry no length: `ALIVE2` and `PORT2` replies are
/// read field by field, and the `NAMES` reply runs until the mapper closes the connection.
extension PortMapperResponse {
    /// The longest `NAMES` reply a client buffers by default: thousands of nodes.
    public static let defaultMaximumLength = 1 << 20

    /// Appends the reply.
    /// - Throws: ``PortMapperError`` for a node whose name or extra bytes do not fit the format.
    public func encode(into buffer: inout ByteBuffer) throws {
        switch self {
        case .alive2(let result, let creation):
            buffer.writeInteger(Self.alive2Code)
            buffer.writeInteger(result)
            buffer.writeInteger(creation)
        case .alive2Short(let result, let creation):
            buffer.writeInteger(Self.alive2ShortCode)
            buffer.writeInteger(result)
            buffer.writeInteger(creation)
        case .port2(nil):
            buffer.writeBytes([Self.port2Code, 1])
        case .port2(let node?):
            try PortMapperNode.validate(name: node.name)
            guard node.extra.count <= Int(UInt16.max) else {
                throw PortMapperError.tooLong(what: "PORT2_RESP extra", length: node.extra.count, limit: Int(UInt16.max))
            }
            buffer.writeBytes([Self.port2Code, 0])
            buffer.writePortMapperNode(node)
        case .names(let mapperPort, let nodes):
            buffer.writeInteger(mapperPort)
            for node in nodes {
                try PortMapperNode.validate(name: node.name)
                buffer.writeString("name \(node.name) at port \(node.port)\n")
            }
        }
    }

    /// Takes the reply to a request of kind `code` off the front of `buffer`.
    /// - Parameters:
    ///   - code: the request this replies to; it decides which replies are possible.
    ///   - atEnd: the mapper has closed the connection, so nothing more will come; only the
    ///     `NAMES` reply needs it, as only the close tells where it ends.
    ///   - maximumLength: the longest `NAMES` reply accepted.
    /// - Returns: the reply, or nil (the buffer untouched) when it is not complete yet.
    /// - Throws: ``PortMapperError/unexpectedResponse(_:)`` for a reply of the wrong kind,
    ///   ``PortMapperError/malformed(_:)`` or ``PortMapperError/tooLong(what:length:limit:)``.
    public static func decode(
        answering code: PortMapperRequest.Code,
        from buffer: inout ByteBuffer,
        atEnd: Bool = false,
        maximumLength: Int = defaultMaximumLength
    ) throws -> PortMapperResponse? {
        switch code {
        case .alive2: try decodeAlive2(from: &buffer)
        case .portPlease2: try decodePort2(from: &buffer)
        case .names: try decodeNames(from: &buffer, atEnd: atEnd, maximumLength: maximumLength)
        }
    }

    private static func decodeAlive2(from buffer: inout ByteBuffer) throws -> PortMapperResponse? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        switch first {
        case alive2Code:
            guard let result = buffer.getInteger(at: start + 1, as: UInt8.self),
                  let creation = buffer.getInteger(at: start + 2, as: UInt32.self)
            else { return nil }
            buffer.moveReaderIndex(forwardBy: 6)
            return .alive2(result: result, creation: creation)
        case alive2ShortCode:
            guard let result = buffer.getInteger(at: start + 1, as: UInt8.self),
                  let creation = buffer.getInteger(at: start + 2, as: UInt16.self)
            else { return nil }
            buffer.moveReaderIndex(forwardBy: 4)
            return .alive2Short(result: result, creation: creation)
        default:
            throw PortMapperError.unexpectedResponse(first)
        }
    }

    private static func decodePort2(from buffer: inout ByteBuffer) throws -> PortMapperResponse? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard first == port2Code else { throw PortMapperError.unexpectedResponse(first) }
        guard let result = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
        guard result == 0 else {
            buffer.moveReaderIndex(forwardBy: 2)
            return .port2(nil)
        }
        guard let (node, end) = try buffer.getPortMapperNode(at: start + 2, in: "PORT2_RESP") else { return nil }
        buffer.moveReaderIndex(to: end)
        return .port2(node)
    }

    private static func decodeNames(from buffer: inout ByteBuffer, atEnd: Bool, maximumLength: Int) throws -> PortMapperResponse? {
        guard buffer.readableBytes <= maximumLength else {
            throw PortMapperError.tooLong(what: "NAMES reply", length: buffer.readableBytes, limit: maximumLength)
        }
        guard atEnd else { return nil }
        guard let mapperPort = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            throw PortMapperError.malformed("NAMES reply of \(buffer.readableBytes) bytes, shorter than its 4-byte port")
        }
        let text = buffer.readableBytesView.dropFirst(4)
        guard text.isEmpty || text.last == UInt8(ascii: "\n") else {
            throw PortMapperError.malformed("NAMES reply: last line has no newline")
        }
        let nodes = try text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .dropLast()
            .map(namedPort(line:))
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .names(mapperPort: mapperPort, nodes: nodes)
    }

    /// Parses `name foo at port 38963`, reading the port from the end so that a name may hold
    /// spaces.
    private static func namedPort(line: ByteBufferView.SubSequence) throws -> NamedPort {
        let prefix = Array("name ".utf8)
        let separator = Array(" at port ".utf8)
        let digits = line.reversed().prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
        let nameBytes = line.dropFirst(prefix.count).dropLast(digits + separator.count)
        guard line.starts(with: prefix),
              (1...5).contains(digits),
              line.dropLast(digits).reversed().starts(with: separator.reversed()),
              line.count >= prefix.count + separator.count + digits,
              let port = Int(String(decoding: line.suffix(digits), as: UTF8.self)),
              port <= Int(UInt16.max)
        else {
            throw PortMapperError.malformed("NAMES reply: line \"\(String(decoding: line, as: UTF8.self))\" is not \"name N at port P\"")
        }
        return NamedPort(name: try ByteBuffer.nodeName(Array(nameBytes), in: "NAMES reply"), port: port)
    }
}
