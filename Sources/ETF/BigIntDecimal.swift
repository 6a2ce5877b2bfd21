import BigInt

/// Text conversions of big integers that stay fast for numbers of a million digits.
///
/// attaswift's `BigUInt(_:radix:)` multiplies the whole number by one word for every 19 digits and
/// its `description` divides the whole number by one word for every 19 digits: both are O(n²), so a
/// 1 MB literal typed at the prompt took hours. Here both directions split the number in halves
/// (divide and conquer), so the work is a few multiplications or divisions of the size of the
/// whole number instead of one pass over it per output word. The multiplications are Karatsuba's
/// (``multiply(_:_:)``) and the divisions by powers of ten multiply by a reciprocal
/// (``Divisor``): attaswift's own are quadratic at these sizes.
///
/// Radices that are powers of two (2, 4, 8, 16, 32) map digits to bits directly: linear.
public enum BigIntDecimal {
    // MARK: - Parsing

    /// The integer written in `text` in the given radix: an optional `+` or `-`, then one or more
    /// digits (`0`-`9`, then letters for digits above 9, either case). Leading zeros are allowed.
    ///
    /// - Parameters:
    ///   - text: the number; no underscores or spaces.
    ///   - radix: the base, 2 through 36.
    /// - Returns: `nil` when `text` has no digits or a character that is not a digit in `radix`.
    public static func parse(_ text: some StringProtocol, radix: Int = 10) -> BigInt? {
        parse(utf8: Array(text.utf8), radix: radix)
    }

    /// ``parse(_:radix:)`` for ASCII bytes.
    public static func parse(utf8 text: [UInt8], radix: Int = 10) -> BigInt? {
        precondition((2...36).contains(radix), "radix \(radix) is not in 2...36")
        var digits = text[...]
        var sign = BigInt.Sign.plus
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            if first == UInt8(ascii: "-") { sign = .minus }
            digits = digits.dropFirst()
        }
        guard let magnitude = parseMagnitude(digits, radix: radix) else { return nil }
        return BigInt(sign: magnitude.isZero ? .plus : sign, magnitude: magnitude)
    }

    /// The unsigned integer written in `digits` (no sign).
    public static func parseMagnitude(_ digits: ArraySlice<UInt8>, radix: Int = 10) -> BigUInt? {
        guard !digits.isEmpty else { return nil }
        if radix.nonzeroBitCount == 1 { return parsePowerOfTwo(digits, bitsPerDigit: radix.trailingZeroBitCount) }
        return parseByHalves(digits, radix: radix)
    }

    /// The value of an ASCII digit, or `nil` if it is not one in `radix`.
    @inline(__always)
    static func digitValue(_ byte: UInt8, radix: Int) -> UInt? {
        let value: UInt
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt(byte &- UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt(byte &- UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < UInt(radix) ? value : nil
    }

    /// Each digit is `bitsPerDigit` bits of the result, laid into words from the least significant end.
    static func parsePowerOfTwo(_ digits: ArraySlice<UInt8>, bitsPerDigit: Int) -> BigUInt? {
        let radix = 1 << bitsPerDigit
        let wordBits = UInt.bitWidth
        var words = [UInt](repeating: 0, count: (digits.count * bitsPerDigit + wordBits - 1) / wordBits)
        var bit = 0
        for byte in digits.reversed() {
            guard let value = digitValue(byte, radix: radix) else { return nil }
            let index = bit / wordBits
            let offset = bit % wordBits
            words[index] |= value << offset
            if offset + bitsPerDigit > wordBits { words[index + 1] |= value >> (wordBits - offset) }
            bit += bitsPerDigit
        }
        return BigUInt(words: words)
    }

    /// The digits are cut into chunks that fit a word (19 decimal digits), least significant first;
    /// then neighbouring values are joined pairwise, `high × base^k + low`, until one is left. Each
    /// round doubles `k`, so the powers come from squaring the previous one, and the last rounds
    /// are a few multiplications of half the result's size (Karatsuba, see ``multiply(_:_:)``)
    /// instead of 19-digit steps over the whole number.
    static func parseByHalves(_ digits: ArraySlice<UInt8>, radix: Int) -> BigUInt? {
        let (digitsPerChunk, chunkBase) = chunking(radix: radix)
        var parts: [BigUInt] = []
        parts.reserveCapacity(digits.count / digitsPerChunk + 1)
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = max(digits.startIndex, end - digitsPerChunk)
            var chunk: UInt = 0
            for byte in digits[start..<end] {
                guard let value = digitValue(byte, radix: radix) else { return nil }
                chunk = chunk &* UInt(radix) &+ value
            }
            parts.append(BigUInt(chunk))
            end = start
        }
        var power = BigUInt(chunkBase)
        while parts.count > 1 {
            var joined: [BigUInt] = []
            joined.reserveCapacity((parts.count + 1) / 2)
            var index = 0
            while index + 1 < parts.count {
                var value = multiply(parts[index + 1], power)
                value += parts[index]
                joined.append(value)
                index += 2
            }
            if index < parts.count { joined.append(parts[index]) }
            parts = joined
            if parts.count > 1 { power = multiply(power, power) }
        }
        return parts[0]
    }

    /// The most digits of `radix` a word holds, and `radix` to that power.
    static func chunking(radix: Int) -> (digits: Int, base: UInt) {
        var digits = 0
        var base: UInt = 1
        while true {
            let (next, overflow) = base.multipliedReportingOverflow(by: UInt(radix))
            if overflow { return (digits, base) }
            base = next
            digits += 1
        }
    }

    // MARK: - Printing

    /// The decimal text of `value`, as `description` writes it (`-` for negatives, no leading zeros).
    public static func string(_ value: BigInt) -> String {
        var text: [UInt8] = []
        if value.sign == .minus && !value.magnitude.isZero { text.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The decimal text of `value`.
    public static func string(_ value: BigUInt) -> String {
        var text: [UInt8] = []
        appendDecimal(value, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The text of `value` in `radix` (2 through 36), letters for digits above 9 as `uppercase` says.
    /// Decimal goes by halves; attaswift's own conversion is linear for powers of two and
    /// quadratic for the other radices, which nothing in kvsh prints large numbers in.
    public static func string(_ value: BigInt, radix: Int, uppercase: Bool = false) -> String {
        radix == 10 ? string(value) : String(value, radix: radix, uppercase: uppercase)
    }

    /// Numbers of at most this many words are printed by attaswift's `String(_:)`: below it,
    /// one word division per 19 digits costs less than the divisions by powers of ten.
    static let directPrintWords = 24

    /// Decimal digits per word-sized chunk, and ten to that power.
    static let decimalChunk = chunking(radix: 10)

    /// Writes the digits of `value` at the end of `text`: splits it by `10^(19·2^k)` into a high and
    /// a low half, writes the high half, then the low half padded with zeros to its full width.
    static func appendDecimal(_ value: BigUInt, to text: inout [UInt8]) {
        if value.words.count <= directPrintWords {
            text.append(contentsOf: String(value).utf8)
            return
        }
        let bits = value.bitWidth
        // powers[k] = 10^(19·2^k), squared until its square exceeds `value`.
        var powers = [Divisor(BigUInt(decimalChunk.base))]
        while 2 * (powers[powers.count - 1].bits - 1) < bits {
            let last = powers[powers.count - 1].value
            powers.append(Divisor(multiply(last, last)))
        }
        text.reserveCapacity(text.count + bits * 30_103 / 100_000 + 2)
        appendDecimal(value, level: powers.count - 1, padded: false, powers: powers, to: &text)
    }

    /// Writes `value`, which is less than `powers[level]²`, so has at most `19·2^(level+1)`
    /// digits; exactly that many, with leading zeros, when `padded`.
    private static func appendDecimal(_ value: BigUInt, level: Int, padded: Bool, powers: [Divisor], to text: inout [UInt8]) {
        let width = decimalChunk.digits << (level + 1)
        if level < 0 || value.words.count <= directPrintWords {
            let digits = value.isZero && !padded ? [UInt8(ascii: "0")] : (value.isZero ? [] : Array(String(value).utf8))
            if padded { text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
            text.append(contentsOf: digits)
            return
        }
        if !padded && value < powers[level].value {
            appendDecimal(value, level: level - 1, padded: false, powers: powers, to: &text)
            return
        }
        let (high, low) = powers[level].divide(value)
        appendDecimal(high, level: level - 1, padded: padded, powers: powers, to: &text)
        appendDecimal(low, level: level - 1, padded: true, powers: powers, to: &text)
    }
}

// MARK: - Division by a fixed divisor

extension BigIntDecimal {
    /// A divisor used many times (a power of ten when printing), with its reciprocal
    /// `⌊4^bits / value⌋` so that dividing costs two multiplications (Barrett's method) instead of
    /// attaswift's long division, which is quadratic.
    struct Divisor {
        let value: BigUInt
        let bits: Int
        /// `nil` for small divisors, which long division handles faster.
        let reciprocal: BigUInt?

        /// Divisors of at most this many words use attaswift's long division.
        static let directDivisionWords = 48

        init(_ value: BigUInt) {
            precondition(!value.isZero)
            self.value = value
            bits = value.bitWidth
            reciprocal = value.words.count <= Self.directDivisionWords ? nil : BigIntDecimal.reciprocal(value)
        }

        /// `dividend / value` and `dividend % value`, for `dividend < value²`. The estimate is
        /// within a few units of the quotient; the remainder tells which way to correct it.
        func divide(_ dividend: BigUInt) -> (quotient: BigUInt, remainder: BigUInt) {
            guard let reciprocal else { return dividend.quotientAndRemainder(dividingBy: value) }
            // ⌊⌊x / 2^(b-1)⌋ · r / 2^(b+1)⌋ is at most two below the quotient for the exact r.
            var quotient = BigInt(multiply(dividend >> (bits - 1), reciprocal) >> (bits + 1))
            var remainder = BigInt(dividend) - BigInt(multiply(quotient.magnitude, value))
            let divisor = BigInt(value)
            while remainder.sign == .minus && !remainder.isZero {
                remainder += divisor
                quotient -= 1
            }
            while remainder >= divisor {
                remainder -= divisor
                quotient += 1
            }
            return (quotient.magnitude, remainder.magnitude)
        }
    }

    /// About `⌊4^b / d⌋` where `d` has `b` bits, by Newton's iteration: the reciprocal of `d`'s
    /// top half, widened, is correct to about half the bits; one step `x + x·(4^b - d·x) / 4^b`
    /// doubles that. The result may be a few units off, which ``Divisor/divide(_:)`` corrects
    /// with the exact remainder anyway.
    static func reciprocal(_ d: BigUInt) -> BigUInt {
        let bits = d.bitWidth
        if d.words.count <= Divisor.directDivisionWords {
            return (BigUInt(1) << (2 * bits)) / d
        }
        let topBits = bits / 2 + 2
        let shift = bits - topBits
        let top = BigInt(reciprocal(d >> shift))
        // The guess is `top · 2^shift`; its low bits are zero, so multiply by `top` and shift.
        let error = (BigInt(1) << (2 * bits)) - (signedMultiply(BigInt(d), top) << shift)
        let x = (top << shift) + (signedMultiply(top, error) >> (2 * bits - shift))
        return x.sign == .minus ? 0 : x.magnitude
    }

    private static func signedMultiply(_ a: BigInt, _ b: BigInt) -> BigInt {
        let magnitude = multiply(a.magnitude, b.magnitude)
        return BigInt(sign: a.sign == b.sign || magnitude.isZero ? .plus : .minus, magnitude: magnitude)
    }
}

// MARK: - Multiplication

extension BigIntDecimal {
    /// Products with a factor of at most this many words are computed by long multiplication.
    /// attaswift switches to Karatsuba only above 1024 words, which leaves the numbers of a few
    /// thousand words this file multiplies quadratic.
    static let karatsubaWords = 64

    /// `a × b` by Karatsuba's method: three half-size products instead of four.
    public static func multiply(_ a: BigUInt, _ b: BigUInt) -> BigUInt {
        let x = Array(a.words)
        let y = Array(b.words)
        let product = x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in multiply(x, y) } }
        return BigUInt(words: product)
    }

    /// The product of two little-endian word sequences, `a.count + b.count` words long.
    static func multiply(_ a: UnsafeBufferPointer<UInt>, _ b: UnsafeBufferPointer<UInt>) -> [UInt] {
        if a.count < b.count { return multiply(b, a) }
        let n = a.count
        let m = b.count
        if m <= karatsubaWords { return longMultiply(a, b) }
        if n >= 2 * m {
            // Lopsided: the long factor in pieces the size of the short one.
            var result = [UInt](repeating: 0, count: n + m)
            var start = 0
            while start < n {
                let end = min(start + m, n)
                let piece = multiply(UnsafeBufferPointer(rebasing: a[start..<end]), b)
                add(piece, into: &result, at: start)
                start = end
            }
            return result
        }
        let half = (n + 1) / 2
        let a0 = UnsafeBufferPointer(rebasing: a[0..<half])
        let a1 = UnsafeBufferPointer(rebasing: a[half..<n])
        let b0 = UnsafeBufferPointer(rebasing: b[0..<min(half, m)])
        let b1 = UnsafeBufferPointer(rebasing: b[min(half, m)..<m])
        let low = multiply(a0, b0)
        let high = multiply(a1, b1)
        let sumA = sum(a0, a1)
        let sumB = sum(b0, b1)
        var middle = sumA.withUnsafeBufferPointer { x in sumB.withUnsafeBufferPointer { y in multiply(x, y) } }
        subtract(low, from: &middle)
        subtract(high, from: &middle)
        var result = [UInt](repeating: 0, count: n + m)
        result.withUnsafeMutableBufferPointer { result in
            for (index, word) in low.enumerated() { result[index] = word }
            for (index, word) in high.enumerated() { result[2 * half + index] = word }
        }
        add(middle, into: &result, at: half)
        return result
    }

    /// Schoolbook multiplication.
    static func longMultiply(_ a: UnsafeBufferPointer<UInt>, _ b: UnsafeBufferPointer<UInt>) -> [UInt] {
        let n = a.count
        let m = b.count
        guard n > 0, m > 0 else { return [UInt](repeating: 0, count: n + m) }
        return [UInt](unsafeUninitializedCapacity: n + m) { result, initialized in
            let x = a.baseAddress!
            let r = result.baseAddress!
            r.initialize(repeating: 0, count: n + m)
            for j in 0..<m {
                let factor = b[j]
                if factor == 0 { continue }
                let row = r + j
                var carry: UInt = 0
                var i = 0
                while i < n {
                    let (high, low) = x[i].multipliedFullWidth(by: factor)
                    let (sum1, overflow1) = low.addingReportingOverflow(row[i])
                    let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                    row[i] = sum2
                    carry = high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
                    i += 1
                }
                row[n] = carry
            }
            initialized = n + m
        }
    }

    /// `a + b`, one word longer than the longer of them.
    private static func sum(_ a: UnsafeBufferPointer<UInt>, _ b: UnsafeBufferPointer<UInt>) -> [UInt] {
        var result = [UInt](repeating: 0, count: max(a.count, b.count) + 1)
        var carry = false
        for index in 0..<(result.count - 1) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            let (s1, o1) = x.addingReportingOverflow(y)
            let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
            result[index] = s2
            carry = o1 || o2
        }
        result[result.count - 1] = carry ? 1 : 0
        return result
    }

    /// `target += addend · 2^(64·offset)`; the sum fits in `target`, so words past its end are zero.
    private static func add(_ addend: [UInt], into target: inout [UInt], at offset: Int) {
        target.withUnsafeMutableBufferPointer { target in
            addend.withUnsafeBufferPointer { addend in
                var carry = false
                var index = 0
                while index < addend.count || carry {
                    let position = offset + index
                    guard position < target.count else { break }
                    let word = index < addend.count ? addend[index] : 0
                    let (s1, o1) = target[position].addingReportingOverflow(word)
                    let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
                    target[position] = s2
                    carry = o1 || o2
                    index += 1
                }
            }
        }
    }

    /// `target -= subtrahend`, which is at most `target`.
    private static func subtract(_ subtrahend: [UInt], from target: inout [UInt]) {
        target.withUnsafeMutableBufferPointer { target in
            subtrahend.withUnsafeBufferPointer { subtrahend in
                var borrow = false
                var index = 0
                while (index < subtrahend.count || borrow) && index < target.count {
                    let word = index < subtrahend.count ? subtrahend[index] : 0
                    let (d1, o1) = target[index].subtractingReportingOverflow(word)
                    let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
                    target[index] = d2
                    borrow = o1 || o2
                    index += 1
                }
            }
        }
    }
}
