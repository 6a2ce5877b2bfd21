/// Binaries and bitstrings: printable UTF-8 as a quoted string, anything else as `<<1, 2, 3>>`.
extension Inspector {
    func binaryDocument(_ bytes: [UInt8], limit: Int?) -> InspectDocument {
        if let text = printableString(bytes) {
            let (escaped, truncated) = InspectEscape.escape(text, delimiter: "\"", limit: options.printableLimit)
            return color("\"" + escaped + "\"" + (truncated ? " <> ..." : ""), .string)
        }
        return bitsDocument(bytes, trailingBits: 0, limit: limit)
    }

    /// `String.printable?/2`: valid UTF-8 whose code points (the first `printableLimit` of
    /// them) are all printable.
    func printableString(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var remaining = options.printableLimit ?? Int.max
        for scalar in text.unicodeScalars {
            if remaining == 0 { break }
            remaining -= 1
            if !InspectEscape.isPrintable(scalar) { return nil }
        }
        return text
    }

    /// `<<1, 2, 3::size(3)>>`: whole bytes, then the value of the partial last byte's bits.
    /// Bytes flow like words, continuation lines indented by two.
    func bitsDocument(_ bytes: [UInt8], trailingBits: Int, limit: Int?) -> InspectDocument {
        if bytes.isEmpty { return color("<<>>", .binary) }
        var parts: [InspectDocument] = []
        var remaining = limit
        let wholeCount = trailingBits == 0 ? bytes.count : bytes.count - 1
        for index in 0..<bytes.count {
            let isLast = index == bytes.count - 1
            if index < wholeCount {
                let number = color(String(bytes[index]), .number)
                if isLast {
                    parts.append(number)
                    break
                }
                if remaining == 0 {
                    parts.append(.text("..."))
                    break
                }
                remaining = remaining.map { $0 - 1 }
                parts.append(number)
                parts.append(.text(","))
                parts.append(.flexSpace)
                if remaining == 0 {
                    parts.append(.text("..."))
                    break
                }
            } else {
                let value = Int(bytes[index]) >> (8 - trailingBits)
                parts.append(.concat([color(String(value), .number), .text("::size(\(trailingBits))")]))
            }
        }
        return .group(.concat([color("<<", .binary), .nest(.concat(parts), indent: 2), color(">>", .binary)]))
    }
}
