/// The Unicode side of Elixir 1.14's identifier rules, which decide whether an atom prints bare
/// (`:héllo`, `:日本a`) or quoted (`:"aΩ"`, `:"ℌ"`): every character must be one Unicode's
/// security profile allows in identifiers, and the letters must come from a single script or
/// from one of the combinations that East Asian writing uses (Latin with Han and kana, …).
///
/// The standard library has neither script nor identifier-status data, so both are
/// approximated here by the code point blocks that matter in practice.
enum InspectIdentifier {
    enum Script: Hashable {
        case latin, greek, cyrillic, armenian, hebrew, arabic, devanagari, bengali, thai, georgian
        case hangul, hiragana, katakana, bopomofo, han, other
    }

    /// Whether the scalars of an identifier are allowed and their scripts may be mixed.
    static func isAllowed(_ scalars: Substring.UnicodeScalarView) -> Bool {
        var scripts = Set<Script>()
        for scalar in scalars {
            if isRestricted(scalar.value) { return false }
            if let script = script(of: scalar.value) { scripts.insert(script) }
        }
        if scripts.count <= 1 { return true }
        let eastAsian: [Set<Script>] = [
            [.latin, .han, .hiragana, .katakana], [.latin, .han, .bopomofo], [.latin, .han, .hangul],
        ]
        return eastAsian.contains { scripts.isSubset(of: $0) }
    }

    /// Characters Unicode marks as not for identifiers although they are letters or marks:
    /// compatibility forms that normalisation rewrites (`ﬁ`, `ℌ`, `Ⅸ`, `𝒜`, `ǅ`, `µ`) and
    /// punctuation (`‿`, `・`).
    static func isRestricted(_ value: UInt32) -> Bool {
        switch value {
        case 0xAA, 0xB5, 0xBA, 0x30FB, 0x0132, 0x0133, 0x013F, 0x0140, 0x0149, 0x017F, 0x01C4...0x01CC, 0x01F1...0x01F3,
             0x1E9A, 0x1E9B, 0x203F, 0x2040, 0x2054, 0x2070...0x209F, 0x2100...0x218F,
             0x2460...0x24FF, 0x3200...0x33FF, 0xFB00...0xFB4F, 0xFE00...0xFE0F, 0xFE33, 0xFE34,
             0xFE4D...0xFE4F, 0xFF00...0xFFEF, 0x1D400...0x1D7FF:
            true
        default:
            false
        }
    }

    /// The script of a letter or script-specific digit; nil for characters every script shares
    /// (ASCII digits, `_`, `@`, combining marks).
    static func script(of value: UInt32) -> Script? {
        switch value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x24F,
             0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xAB30...0xAB6F:
            .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: .greek
        case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: .cyrillic
        case 0x530...0x58F: .armenian
        case 0x590...0x5FF: .hebrew
        case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: .arabic
        case 0x900...0x97F: .devanagari
        case 0x980...0x9FF: .bengali
        case 0xE00...0xE7F: .thai
        case 0x10A0...0x10FF, 0x2D00...0x2D2F: .georgian
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: .hangul
        case 0x3040...0x309F: .hiragana
        case 0x30A0...0x30FF, 0x31F0...0x31FF: .katakana
        case 0x3100...0x312F, 0x31A0...0x31BF: .bopomofo
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: .han
        case 0...0x2FF: nil
        default:
            // Combining marks belong to the letter they follow.
            switch Unicode.Scalar(value)?.properties.generalCategory {
            case .nonspacingMark?, .spacingMark?, .enclosingMark?, .decimalNumber?, .connectorPunctuation?: nil
            default: .other
            }
        }
    }
}
