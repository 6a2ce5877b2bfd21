import ETF

/// Strings, charlists and sigils with their interpolations, in the quoted form.
extension Parser {
    func buildString(_ segments: [Segment], line: Int) throws(SyntaxError) -> Term {
        if segments.count == 1, case .text(let bytes) = segments[0] { return .binary(bytes) }
        return Quoted.call(Atom("<<>>"), Quoted.meta(line), try interpolationParts(segments))
    }

    /// The parts of an interpolated string: text as binaries, each `#{expr}` as `Kernel.to_string(expr)`,
    /// typed `::binary` inside a `<<>>` (`asBinarySegments`) and bare inside a charlist's list.
    func interpolationParts(_ segments: [Segment], asBinarySegments: Bool = true) throws(SyntaxError) -> [Term] {
        var parts: [Term] = []
        for segment in segments {
            switch segment {
            case .text(let bytes):
                parts.append(.binary(bytes))
            case .interpolation(let tokens, let line):
                let expr = try parseInterpolation(tokens, line: line)
                let toString = Quoted.remote(.atom(Quoted.kernel), Atom("to_string"), dotLine: line,
                                             meta: Quoted.meta(line), [expr])
                parts.append(asBinarySegments
                    ? Quoted.call(Atom("::"), Quoted.meta(line), [toString, Quoted.variable(Atom("binary"), line: line)])
                    : toString)
            }
        }
        return parts
    }

    func parseInterpolation(_ tokens: [Token], line: Int) throws(SyntaxError) -> Term {
        if tokens.count == 1 && tokens[0].newlineBefore { return Quoted.buildBlock([], meta: Quoted.meta(line)) }
        let inner = Parser(tokens: tokens, context: context, depth: depth + 1)
        return try inner.parseProgram()
    }

    func buildCharlist(_ segments: [Segment], line: Int) throws(SyntaxError) -> Term {
        if segments.count == 1, case .text(let bytes) = segments[0] {
            return Term.list(String(decoding: bytes, as: UTF8.self).unicodeScalars.map { .int(Int($0.value)) })
        }
        let parts = try interpolationParts(segments, asBinarySegments: false)
        return Quoted.remote(.atom(Quoted.list), Atom("to_charlist"), dotLine: line, meta: Quoted.meta(line),
                             [Term.list(parts)])
    }
}
