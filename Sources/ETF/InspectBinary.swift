/// Binaries and bitstrings: printable UTF-8 as a quoted string, anything else as `<<1, 2, 3>>`.
extension Inspector {
    func binaryDocument(_ bytes: [UInt8], limit: Int?) -> InspectDocument {
        if let (text, truncated) = printableString(bytes) {
            let escaped = InspectEscape.escape(text, delimiter: "\"")
            return color("\"" + escaped + "\"" + (truncated ? " <> ..." : ""), .string)
        }
        return bitsDocument(bytes, trailingBits: 0, limit: limit)
    }

    /// `String.printable?/2`: the first `printableLimit` code points are valid UTF-8 and
    /// printable (what follows them is not examined, as in Elixir).
    /// - Returns: those code points and whether more bytes follow them; nil if not printable.
    func printableString(_ bytes: [UInt8]) -> (String, truncated: Bool)? {
        var text = ""
        var remaining = options.printableLimit ?? Int.max
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        while true {
            if remaining == 0 { return (text, consumed < bytes.count) }
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                guard InspectEscape.isPrintable(scalar) else { return nil }
                text.unicodeScalars.append(scalar)
                consumed += UTF8.width(scalar)
                remaining -= 1
            case .emptyInput:
                return (text, false)
            case .error:
                return nil
            }
        }
    }

    /// `<<1, 2, 3::size(3)>>`: whole bytes, then the value of the partial last byte's bits.
    /// Bytes flow like words, continuation lines indented by two.
    func bitsDocument(_ bytes: [UInt8], trailingBits: Int, limit: Int?) -> InspectDocument {
        if bytes.isEmpty { return color("<<>>", .binary) }
        var parts: [InspectDocument] = []
        var remaining = limit
        let wholeCount = trailingBits == 0 ? bytes.count : bytes.count - 1
        var index = 0
        // As Elixir walks it: an exhausted limit wins even over the last byte.
        while index < bytes.count {
            if remaining == 0 {
                parts.append(.text("..."))
                break
            }
            if index == wholeCount {
                let value = Int(bytes[index]) >> (8 - trailingBits)
                parts.append(.concat([color(String(value), .number), .text("::size(\(trailingBits))")]))
                break
            }
            let number = color(String(bytes[index]), .number)
            if index == bytes.count - 1 {
                parts.append(number)
                break
            }
            parts += [number, .text(","), .flexSpace]
            remaining = remaining.map { $0 - 1 }
            index += 1
        }
        return .group(.concat([color("<<", .binary), .nest(.concat(parts), indent: 2), color(">>", .binary)]))
    }
}
