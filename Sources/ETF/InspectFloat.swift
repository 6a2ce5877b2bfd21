/// Elixir's float notation: the shortest digits that read back to the same float (as Swift's
/// `description` finds them), laid out the way Elixir 1.14 and Erlang's `io_lib_format` do.
///
/// Whole numbers from 1 to 1.0e16 print every digit (`1000000000000000.0`); other floats
/// choose between plain (`0.0001`, `12.5`) and exponent notation (`1.0e-5`, `1.0e16`) by
/// length, plain winning a tie, except that a value of 1.0e16 or more always takes an exponent.
enum InspectFloat {
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.description }
        let sign = value.sign == .minus ? "-" : ""
        let magnitude = value.magnitude
        if magnitude >= 1, magnitude < 1e16, magnitude.rounded(.towardZero) == magnitude {
            return sign + String(UInt64(magnitude)) + ".0"
        }
        if magnitude == 0 { return sign + "0.0" }
        let (digits, place) = shortestDigits(magnitude)
        let scientific = scientificNotation(digits, exponent: place - 1)
        let plain: String
        if place <= 0 {
            plain = "0." + String(repeating: "0", count: -place) + digits
            return sign + (plain.count <= scientific.count ? plain : scientific)
        } else if place < digits.count {
            let split = digits.index(digits.startIndex, offsetBy: place)
            return sign + digits[..<split] + "." + digits[split...]
        }
        return sign + scientific
    }

    private static func scientificNotation(_ digits: String, exponent: Int) -> String {
        let fraction = digits.dropFirst()
        return String(digits.prefix(1)) + "." + (fraction.isEmpty ? "0" : fraction) + "e" + String(exponent)
    }

    /// The significant digits (no leading or trailing zeros) and the position of the decimal
    /// point, so that the value is `0.DIGITS × 10^place`.
    static func shortestDigits(_ magnitude: Double) -> (String, Int) {
        let text = magnitude.description
        let mantissa: Substring
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...].replacingPlus()) ?? 0
        } else {
            mantissa = Substring(text)
        }
        let point = mantissa.firstIndex(of: ".")
        let whole = point.map { mantissa[..<$0] } ?? mantissa
        let fraction = point.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var digits = Array(whole + fraction)
        var place = whole.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            place -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), place)
    }
}

private extension Substring {
    func replacingPlus() -> Substring { first == "+" ? dropFirst() : self }
}
