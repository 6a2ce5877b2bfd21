/// What can stop the tool before or during a run, each with the server it was talking to.
enum LoadGenError: Error, CustomStringConvertible {
    case resolve(host: String, reason: String)
    case connect(Endpoint, reason: String)
    case io(Endpoint, reason: String)
    case closed(Endpoint, after: [UInt8])
    case noAnswer(Endpoint, after: [UInt8])
    case lineTooLong(Endpoint)
    case notReady(Endpoint, seconds: Double, reason: String)
    case createFailed(Endpoint, bucket: String, answer: [UInt8])

    var description: String {
        switch self {
        case .resolve(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .connect(let endpoint, let reason): return "cannot connect to \(endpoint): \(reason)"
        case .io(let endpoint, let reason): return "\(endpoint): \(reason)"
        case .closed(let endpoint, let partial):
            return "\(endpoint) closed the connection" + (partial.isEmpty ? "" : " after \(Escaped(partial))")
        case .noAnswer(let endpoint, let partial):
            return "\(endpoint) did not answer in time" + (partial.isEmpty ? "" : " (got \(Escaped(partial)))")
        case .lineTooLong(let endpoint): return "\(endpoint) sent a line longer than 64 KiB"
        case .notReady(let endpoint, let seconds, let reason):
            return "server \(endpoint) not answering after \(seconds)s (\(reason))"
        case .createFailed(let endpoint, let bucket, let answer):
            return "CREATE \(bucket) on \(endpoint) answered \(Escaped(answer))"
        }
    }
}

/// Bytes as a quoted string with `\r`, `\n` and other non-printable bytes escaped, for reports of
/// wrong answers.
struct Escaped: CustomStringConvertible {
    let bytes: [UInt8]

    init(_ bytes: some Sequence<UInt8>) { self.bytes = Array(bytes) }

    var description: String {
        var text = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + String(byte, radix: 16).leftPadded(to: 2)
            }
        }
        return text + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
