/// Where a line break ends an expression and where Elixir ignores it.
extension Lexer {
    /// Drops line breaks where Elixir ignores them: after an operator, comma or opening bracket,
    /// before a closing bracket, and before a binary operator that continues the previous line.
    static func arrangeNewlines(_ tokens: [Token]) -> [Token] {
        var result: [Token] = []
        result.reserveCapacity(tokens.count)
        var newlineBeforeNext = false
        var index = 0
        while index < tokens.count {
            var token = tokens[index]
            if case .eol = token.kind {
                var next = index
                while next < tokens.count, case .eol = tokens[next].kind { next += 1 }
                let following = tokens[next]
                if let previous = result.last, continuesAfter(previous) {
                    index = next
                    continue
                }
                if result.isEmpty || continuesBefore(following) {
                    index = next
                    if !result.isEmpty { newlineBeforeNext = true }
                    continue
                }
                token.spaceBefore = true
                result.append(token)
                index = next
                continue
            }
            token.newlineBefore = newlineBeforeNext
            newlineBeforeNext = false
            result.append(token)
            index += 1
        }
        for i in 0..<result.count {
            let next = i + 1 < result.count ? result[i + 1] : nil
            if let next {
                result[i].spaceAfter = next.spaceBefore || next.isEOL
            } else {
                result[i].spaceAfter = true
            }
        }
        return result
    }

    static func continuesAfter(_ token: Token) -> Bool {
        switch token.kind {
        case .op(let symbol):
            if symbol == ")" || symbol == "]" || symbol == "}" || symbol == ">>" || symbol == ";" { return false }
            return true
        case .reserved(let word): return word == "do" || word == "fn"
        case .keyword, .quotedKeyword: return true
        default: return false
        }
    }

    static func continuesBefore(_ token: Token) -> Bool {
        switch token.kind {
        case .reserved("do"): return true
        case .op("->"): return true
        case .op(let symbol):
            switch symbol {
            case ")", "]", "}", ">>", ".": return true
            case "+", "-", "not", "!", "^", "&", "@", "~~~", "(", "[", "{", "<<", "%", ",", ";", "...": return false
            default: return Operators.binary[symbol] != nil
            }
        default: return false
        }
    }
}
