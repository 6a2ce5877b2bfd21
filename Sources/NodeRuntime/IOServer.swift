import ETF

extension LocalNode {
    /// Starts a process that serves the Erlang io protocol by handing output bytes to `write`:
    /// the group leader of a terminal. It answers `{:io_request, from, reply_as, request}` with
    /// `{:io_reply, reply_as, :ok}` for `put_chars` (also inside `{:requests, [...]}`) and with
    /// `{:error, :enotsup}` for what a write-only device cannot do.
    public func spawnIOServer(write: @escaping @Sendable ([UInt8]) -> Void) -> Pid {
        spawn { process in
            while let message = try await process.receive() {
                guard case .tuple(let parts) = message, parts.count == 4, parts[0] == .atom("io_request"),
                      case .pid(let from) = parts[1] else { continue }
                let reply = Self.serve(parts[3], write)
                process.node.send(.tuple([.atom("io_reply"), parts[2], reply]), to: from)
            }
        }.pid
    }

    private static func serve(_ request: Term, _ write: @Sendable ([UInt8]) -> Void) -> Term {
        guard case .tuple(let parts) = request else { return .tuple([.error, .atom("request")]) }
        switch (parts.first?.atomValue?.text, parts.count) {
        case ("put_chars", 3), ("put_chars", 2):
            guard let bytes = chars(parts[parts.count - 1]) else { return .tuple([.error, .atom("put_chars")]) }
            write(bytes)
            return .ok
        case ("requests", 2):
            for inner in parts[1].properList ?? [] {
                let reply = serve(inner, write)
                if reply != .ok { return reply }
            }
            return .ok
        default:
            return .tuple([.error, .atom("enotsup")])
        }
    }

    /// Unicode chardata: binaries, code points and nested lists of them.
    private static func chars(_ data: Term) -> [UInt8]? {
        var out: [UInt8] = []
        var stack = [data]
        while let next = stack.popLast() {
            switch next {
            case .binary(let bytes): out += bytes
            case .int(let n):
                guard let scalar = Unicode.Scalar(UInt32(clamping: max(n, 0))) else { return nil }
                out += Array(String(Character(scalar)).utf8)
            case .emptyList: break
            case .cons(let cell):
                stack.append(cell.tail)
                stack.append(cell.head)
            default: return nil
            }
        }
        return out
    }
}
