import NIOCore

/// The field layout that `ALIVE2_REQ` and `PORT2_RESP` share, from the port to the extra bytes:
/// `Port:16 | NodeType:8 | Proto:8 | High:16 | Low:16 | Nlen:16 | Name | Elen:16 | Extra`.
extension ByteBuffer {
    /// Bytes the node fields take on the wire.
    static func portMapperNodeSize(_ node: PortMapperNode) -> Int {
        12 + node.name.utf8.count + node.extra.count
    }

    /// Writes the node fields; the caller has validated the name and checked the sizes fit.
    mutating func writePortMapperNode(_ node: PortMapperNode) {
        writeInteger(node.port)
        writeInteger(node.nodeType)
        writeInteger(node.protocol)
        writeInteger(node.highestVersion)
        writeInteger(node.lowestVersion)
        writeInteger(UInt16(node.name.utf8.count))
        writeString(node.name)
        writeInteger(UInt16(node.extra.count))
        writeBytes(node.extra)
    }

    /// Reads the node fields at `index` without moving the reader index.
    /// - Parameter message: the message being read, for errors.
    /// - Returns: the node and the index just past it, or nil when the buffer ends first.
    /// - Throws: ``PortMapperError`` for a name that is empty, too long or not UTF-8; a name
    ///   length over the limit is refused before its bytes arrive.
    func getPortMapperNode(at index: Int, in message: String) throws -> (node: PortMapperNode, end: Int)? {
        guard let port = getInteger(at: index, as: UInt16.self),
              let nodeType = getInteger(at: index + 2, as: UInt8.self),
              let proto = getInteger(at: index + 3, as: UInt8.self),
              let highest = getInteger(at: index + 4, as: UInt16.self),
              let lowest = getInteger(at: index + 6, as: UInt16.self),
              let nameLength = getInteger(at: index + 8, as: UInt16.self)
        else { return nil }
        guard Int(nameLength) <= PortMapperNode.maximumNameLength else {
            throw PortMapperError.tooLong(what: "\(message) node name", length: Int(nameLength), limit: PortMapperNode.maximumNameLength)
        }
        guard let nameBytes = getBytes(at: index + 10, length: Int(nameLength)),
              let extraLength = getInteger(at: index + 10 + Int(nameLength), as: UInt16.self),
              let extra = getBytes(at: index + 12 + Int(nameLength), length: Int(extraLength))
        else { return nil }
        let name = try Self.nodeName(nameBytes, in: message)
        let node = PortMapperNode(
            name: name, port: port, nodeType: nodeType, protocol: proto,
            highestVersion: highest, lowestVersion: lowest, extra: extra
        )
        return (node, index + 12 + Int(nameLength) + Int(extraLength))
    }

    /// A node name from its bytes, which must be UTF-8 and within the limits.
    static func nodeName(_ bytes: [UInt8], in message: String) throws -> String {
        guard let name = String(validating: bytes, as: UTF8.self) else {
            throw PortMapperError.malformed("\(message): node name is not UTF-8")
        }
        do {
            try PortMapperNode.validate(name: name)
        } catch PortMapperError.malformed(let reason) {
            throw PortMapperError.malformed("\(message): \(reason)")
        }
        return name
    }
}
