import BigInt
import Testing
@testable import ETF

/// The divide-and-conquer conversions against attaswift's own (quadratic) ones, which are the
/// reference: same text, same values, for sizes on both sides of every threshold.
@Suite struct BigIntDecimalTests {
    /// `count` random decimal digits, the first one not zero.
    static func digits(_ count: Int, _ generator: inout SeededGenerator) -> String {
        var bytes = (0..<count).map { _ in UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &generator) }
        if bytes[0] == UInt8(ascii: "0") { bytes[0] = UInt8(ascii: "7") }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Decimal

    @Test func randomSizesRoundTripAgainstTheLibrary() {
        var generator = SeededGenerator(seed: 1_000_003)
        let sizes = [1, 2, 18, 19, 20, 38, 39, 100, 457, 458, 500, 913, 1000, 1216, 1217, 2432, 2433, 3000, 4865, 6000]
            + (0..<8).map { _ in Int.random(in: 1...6000, using: &generator) }
        for size in sizes {
            let text = Self.digits(size, &generator)
            let reference = BigInt(text)!
            #expect(BigIntDecimal.parse(text) == reference, "parse of \(size) digits")
            #expect(BigIntDecimal.string(reference) == reference.description, "print of \(size) digits")
            #expect(BigIntDecimal.string(reference) == text, "round trip of \(size) digits")
        }
    }

    @Test func negativeNumbersAndSigns() {
        var generator = SeededGenerator(seed: 42)
        for size in [1, 25, 800, 3000] {
            let text = Self.digits(size, &generator)
            #expect(BigIntDecimal.parse("-" + text) == -BigInt(text)!)
            #expect(BigIntDecimal.parse("+" + text) == BigInt(text)!)
            #expect(BigIntDecimal.string(-BigInt(text)!) == "-" + text)
        }
        #expect(BigIntDecimal.parse("-0") == 0)
        #expect(BigIntDecimal.string(BigInt(0)) == "0")
        #expect(BigIntDecimal.string(-BigInt(0)) == "0")
    }

    /// Powers of ten and their neighbours: halves that are all zeros, or zeros right after the cut.
    @Test func zerosAtTheSplitPoints() {
        for exponent in [19, 38, 76, 152, 304, 456, 457, 608, 1216, 2432, 2433, 4864, 5000] {
            let power = "1" + String(repeating: "0", count: exponent)
            let plusOne = "1" + String(repeating: "0", count: exponent - 1) + "1"
            let minusOne = String(repeating: "9", count: exponent)
            let twoOnes = "1" + String(repeating: "0", count: exponent / 2) + "1" + String(repeating: "0", count: exponent / 2)
            for text in [power, plusOne, minusOne, twoOnes] {
                let value = BigIntDecimal.parse(text)
                #expect(value == BigInt(text)!, "parse of \(text.count) digits")
                #expect(value.map(BigIntDecimal.string) == text, "round trip of \(text.count) digits")
            }
        }
    }

    @Test func leadingZerosAreIgnored() {
        #expect(BigIntDecimal.parse("000") == 0)
        #expect(BigIntDecimal.parse("0001") == 1)
        let long = String(repeating: "0", count: 3000) + "123456789012345678901234567890"
        #expect(BigIntDecimal.parse(long) == BigInt("123456789012345678901234567890", radix: 10)!)
        #expect(BigIntDecimal.parse("-" + String(repeating: "0", count: 2000)) == 0)
    }

    @Test func invalidTextIsNil() {
        #expect(BigIntDecimal.parse("") == nil)
        #expect(BigIntDecimal.parse("-") == nil)
        #expect(BigIntDecimal.parse("12a") == nil)
        #expect(BigIntDecimal.parse("1_000") == nil)
        #expect(BigIntDecimal.parse(String(repeating: "5", count: 2000) + " ") == nil)
        #expect(BigIntDecimal.parse("ff", radix: 8) == nil)
    }

    // MARK: - Other radices

    @Test func powerOfTwoRadicesMatchTheLibrary() {
        var generator = SeededGenerator(seed: 7)
        for radix in [2, 4, 8, 16, 32] {
            for size in [1, 15, 16, 17, 21, 22, 63, 64, 65, 500, 3001] {
                let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".prefix(radix))
                let text = "1" + String((1..<size).map { _ in alphabet.randomElement(using: &generator)! })
                let reference = BigInt(text, radix: radix)!
                #expect(BigIntDecimal.parse(text, radix: radix) == reference, "radix \(radix), \(size) digits")
                #expect(BigIntDecimal.parse(text.uppercased(), radix: radix) == reference)
                #expect(String(reference, radix: radix) == text)
            }
        }
        #expect(BigIntDecimal.parse("-FF", radix: 16) == -255)
    }

    @Test func otherRadicesByHalves() {
        var generator = SeededGenerator(seed: 36)
        for radix in [3, 7, 35] {
            let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".prefix(radix))
            let text = "1" + String((0..<2500).map { _ in alphabet.randomElement(using: &generator)! })
            #expect(BigIntDecimal.parse(text, radix: radix) == BigInt(text, radix: radix)!, "radix \(radix)")
        }
        #expect(BigIntDecimal.parse("Z", radix: 36) == 35)
    }

    // MARK: - The arithmetic underneath

    @Test func multiplicationMatchesTheLibrary() {
        var generator = SeededGenerator(seed: 99)
        for (x, y) in [(1, 1), (64, 65), (65, 65), (100, 100), (101, 37), (300, 41), (257, 130), (600, 599), (1000, 90)] {
            let a = BigUInt(words: (0..<x).map { _ in UInt.random(in: 0...UInt.max, using: &generator) })
            let b = BigUInt(words: (0..<y).map { _ in UInt.random(in: 0...UInt.max, using: &generator) })
            #expect(BigIntDecimal.multiply(a, b) == a * b, "\(x) × \(y) words")
        }
        let allOnes = BigUInt(words: [UInt](repeating: .max, count: 200))
        #expect(BigIntDecimal.multiply(allOnes, allOnes) == allOnes * allOnes)
        #expect(BigIntDecimal.multiply(allOnes, 0) == 0)
    }

    @Test func divisionByAReciprocalMatchesTheLibrary() {
        var generator = SeededGenerator(seed: 123)
        for words in [49, 64, 100, 250] {
            let divisor = BigUInt(words: (0..<words).map { _ in UInt.random(in: 0...UInt.max, using: &generator) })
            let fixed = BigIntDecimal.Divisor(divisor)
            #expect(fixed.reciprocal != nil)
            let square = divisor * divisor
            for dividend in [BigUInt(0), divisor - 1, divisor, square - 1, square / 3, square - divisor] {
                let (q, r) = fixed.divide(dividend)
                let reference = dividend.quotientAndRemainder(dividingBy: divisor)
                #expect(q == reference.quotient && r == reference.remainder, "\(words) words")
            }
        }
    }
}
