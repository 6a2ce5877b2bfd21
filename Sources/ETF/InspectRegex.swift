/// Regexes in sigil form, `~r/source/opts`, as Elixir 1.14 prints a `%Regex{}`.
///
/// The source keeps its own backslash escapes; a bare `/` and `#{` are escaped so the sigil
/// reads back, and control characters are written as escapes (`\n`, or `\x1B` for those
/// without a short name in regex syntax).
enum InspectRegex {
    static func describe(_ map: TermMap) -> String? {
        guard let source = map[.atom("source")]?.stringValue, let opts = map[.atom("opts")]?.stringValue else {
            return nil
        }
        return "~r/" + escape(source) + "/" + opts
    }

    static func escape(_ source: String) -> String {
        var output = ""
        let scalars = Array(source.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\\":
                output += "\\"
                if index < scalars.count {
                    output.unicodeScalars.append(scalars[index])
                    index += 1
                }
            case "/": output += "\\/"
            case "#" where index < scalars.count && scalars[index] == "{": output += "\\#"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{0B}": output += "\\v"
            case "\u{0C}": output += "\\f"
            case "\u{07}": output += "\\a"
            case "\0": output += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    output += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }
}
