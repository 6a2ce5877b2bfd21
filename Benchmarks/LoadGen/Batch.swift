/// The commands a connection writes at once (one in request/response mode, `--depth` when
/// pipelining) and, for each, the exact bytes a right answer has.
struct Batch {
    /// Every command of the batch, one after the other, as written to the socket.
    private(set) var commands: [UInt8] = []
    /// Every right answer, one after the other.
    private(set) var expected: [UInt8] = []
    private var commandEnds: [Int] = []
    private var expectedEnds: [Int] = []
    private var getFlags: [Bool] = []

    var count: Int { commandEnds.count }

    init(capacity: Int) {
        commands.reserveCapacity(capacity * 48)
        expected.reserveCapacity(capacity * 16)
        commandEnds.reserveCapacity(capacity)
        expectedEnds.reserveCapacity(capacity)
        getFlags.reserveCapacity(capacity)
    }

    mutating func removeAll() {
        commands.removeAll(keepingCapacity: true)
        expected.removeAll(keepingCapacity: true)
        commandEnds.removeAll(keepingCapacity: true)
        expectedEnds.removeAll(keepingCapacity: true)
        getFlags.removeAll(keepingCapacity: true)
    }

    /// A right answer, as the guide's server writes it.
    enum Reply {
        case ok
        case notFound
        case unknownCommand
        /// A GET's: the value (none: an empty line), then `OK`.
        case value(Int32?)
    }

    /// Adds one command: its line (a PUT's without the value, which `value` completes) and the
    /// answer it must get.
    mutating func append(_ operation: Operation, _ line: UnsafeBufferPointer<UInt8>, value: Int32? = nil, reply: Reply) {
        commands.append(contentsOf: line)
        if let value {
            commands.appendDecimal(Int(value))
            commands.append("\r\n")
        }
        switch reply {
        case .ok: expected.append("OK\r\n")
        case .notFound: expected.append("NOT FOUND\r\n")
        case .unknownCommand: expected.append("UNKNOWN COMMAND\r\n")
        case .value(let value):
            if let value { expected.appendDecimal(Int(value)) }
            expected.append("\r\nOK\r\n")
        }
        commandEnds.append(commands.count)
        expectedEnds.append(expected.count)
        getFlags.append(operation.isGet)
    }

    func isGet(_ index: Int) -> Bool { getFlags[index] }

    func command(_ index: Int) -> ArraySlice<UInt8> {
        commands[(index == 0 ? 0 : commandEnds[index - 1])..<commandEnds[index]]
    }

    func expectedReply(_ index: Int) -> ArraySlice<UInt8> {
        expected[(index == 0 ? 0 : expectedEnds[index - 1])..<expectedEnds[index]]
    }
}

extension Array where Element == UInt8 {
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends the decimal digits of a number ≥ 0 without going through `String`.
    mutating func appendDecimal(_ value: Int) {
        if value >= 10 { appendDecimal(value / 10) }
        append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
