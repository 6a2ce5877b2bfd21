/// The escaping Elixir applies inside quoted strings, charlists and atoms, and its test of what
/// counts as printable.
enum InspectEscape {
    /// Escapes `text` for a literal delimited by `delimiter` (`"` or `'`): the delimiter,
    /// backslash and `#{`, control characters by name, other unprintable ones as `\xFF`.
    static func escape(_ text: String, delimiter: Unicode.Scalar) -> String {
        var output = ""
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case delimiter: output += "\\" + String(scalar)
            case "\\": output += "\\\\"
            case "#" where index < scalars.count && scalars[index] == "{": output += "\\#"
            case "\u{07}": output += "\\a"
            case "\u{08}": output += "\\b"
            case "\u{7F}": output += "\\d"
            case "\u{1B}": output += "\\e"
            case "\u{0C}": output += "\\f"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{0B}": output += "\\v"
            case "\0": output += "\\0"
            // Printable, but invisible and easily mistaken for nothing: Elixir spells it out.
            case "\u{FEFF}": output += "\\uFEFF"
            default:
                if isPrintable(scalar) {
                    output.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    output += "\\x" + hex(scalar.value, digits: 2)
                } else {
                    output += "\\u" + hex(scalar.value, digits: 4)
                }
            }
        }
        return output
    }

    /// `String.printable?/1`'s test for one code point: the named control characters, ASCII
    /// text and the non-control ranges above it.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        case 0x07...0x0D, 0x1B, 0x7F: true
        default: false
        }
    }

    /// `List.ascii_printable?/1`'s test for one charlist element.
    static func isASCIIPrintable(_ value: Int) -> Bool {
        switch value {
        case 0x20...0x7E, 0x07...0x0D, 0x1B: true
        default: false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
