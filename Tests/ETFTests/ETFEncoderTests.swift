import ETF
import Testing

/// The encoder's choices that the fixtures do not pin, and the round-trip property.
@Suite struct ETFEncoderTests {
    @Test func generatedTermsRoundTrip() throws {
        var generator = TermGenerator(random: SeededGenerator(seed: 2026))
        for _ in 0..<2_000 {
            let term = generator.term()
            let bytes = ExternalTermFormat.encode(term)
            #expect(try ExternalTermFormat.decode(bytes) == term, "\(term)")
            #expect(try ETFDecoder().decode(ETFEncoder().encodeCompressed(term, level: 1)) == term)
        }
    }

    @Test func termsWrittenBackToBackReadBackInOrder() throws {
        // A distribution frame: pass-through byte, then control tuple and message, each with its 131.
        let control = Term.tuple(.int(2), .atom(""), .pid(Pid(node: "a@b", id: 1, serial: 0, creation: 7)))
        let message = Term.tuple(.ok, .string("hi"))
        var frame: [UInt8] = [112, ExternalTermFormat.version]
        ExternalTermFormat.encode(control, into: &frame)
        frame.append(ExternalTermFormat.version)
        ExternalTermFormat.encode(message, into: &frame)
        #expect(frame[0] == 112)
        let first = try ExternalTermFormat.decode(frame, at: 1)
        #expect(first.term == control)
        let second = try ExternalTermFormat.decode(frame, at: first.end)
        #expect(second.term == message)
        #expect(second.end == frame.count)
    }

    @Test func byteListsAreStringsOnlyWhenErlWouldWriteThem() {
        let tag = { (term: Term) in ExternalTermFormat.encode(term)[1] }
        #expect(tag(.list([.int(0), .int(255)])) == ExternalTermFormat.Tag.string)
        #expect(tag(.list([.int(0), .int(256)])) == ExternalTermFormat.Tag.list)
        #expect(tag(.list([.int(1)], tail: .int(2))) == ExternalTermFormat.Tag.list)
        #expect(tag(.list([.int(1), .int(-1)])) == ExternalTermFormat.Tag.list)
        #expect(tag(.list(Array(repeating: .int(1), count: 65535))) == ExternalTermFormat.Tag.string)
        #expect(tag(.list(Array(repeating: .int(1), count: 65536))) == ExternalTermFormat.Tag.list)
    }

    @Test func portsWithIdsBeyondTwentyEightBitsUseV4Port() throws {
        // OTP 25 keeps NEW_PORT for ids of up to 28 bits, the old port number's width.
        let tag = { (id: UInt64) in ExternalTermFormat.encode(.port(Port(node: "a@b", id: id, creation: 1)))[1] }
        #expect(tag(7) == ExternalTermFormat.Tag.newPort)
        #expect(tag(0x0FFF_FFFF) == ExternalTermFormat.Tag.newPort)
        #expect(tag(0x1000_0000) == ExternalTermFormat.Tag.v4Port)
        let large = Term.port(Port(node: "a@b", id: 1 << 40, creation: 1))
        #expect(ExternalTermFormat.encode(large)[1] == ExternalTermFormat.Tag.v4Port)
        #expect(try ExternalTermFormat.decode(ExternalTermFormat.encode(large)) == large)
    }

    // MARK: - Closures of kvsh's evaluator

    final class Closure: FunClosure {
        let arity = 2
        let origin = FunOrigin(module: "Elixir.IEx", name: "-expr/1-fun-0-", index: 0, uniq: 42)
    }

    @Test func closuresAreDescribedByDefault() throws {
        let bytes = ExternalTermFormat.encode(.fun(Fun(.closure(Closure()))))
        #expect(try ExternalTermFormat.decode(bytes) ==
                .tuple(.atom("kvsh_closure"), .atom("Elixir.IEx"), .string("-expr/1-fun-0-"), .int(2)))
    }

    @Test func theRuntimeDecidesHowAClosureTravels() throws {
        let closure = Closure()
        let encoder = ETFEncoder { fun in .tuple(.atom("kvsh_fun"), .int(fun.arity)) }
        let bytes = encoder.encode(.list([.fun(Fun(.closure(closure)))]))
        #expect(try ExternalTermFormat.decode(bytes) == .list([.tuple(.atom("kvsh_fun"), .int(2))]))
        // A hook that answers with a closure again would never end: the default takes over.
        let looping = ETFEncoder { fun in .fun(Fun(.closure(fun))) }
        #expect(try ExternalTermFormat.decode(looping.encode(.fun(Fun(.closure(closure))))) ==
                .tuple(.atom("kvsh_closure"), .atom("Elixir.IEx"), .string("-expr/1-fun-0-"), .int(2)))
    }

    // MARK: - Depth

    /// Keeps a term alive for ever. `Term` releases nested tuples and list heads recursively, and
    /// a million levels would overflow the stack on release, which is `Term`'s limit, not the encoder's.
    final class Leaked: Sendable {
        let term: Term
        init(_ term: Term) { self.term = term }
    }

    @Test func aMillionNestedTuplesAndListsEncodeWithoutRecursion() throws {
        let depth = 1_000_000
        var tuples = Term.emptyList
        var lists = Term.emptyList
        for _ in 0..<depth {
            tuples = .tuple([tuples])
            lists = .list([lists])
        }
        _ = Unmanaged.passRetained(Leaked(tuples))
        _ = Unmanaged.passRetained(Leaked(lists))

        let tupleBytes = ExternalTermFormat.encode(tuples)
        #expect(tupleBytes.count == 2 * depth + 2)
        #expect(tupleBytes.prefix(5) == [131, 104, 1, 104, 1])
        let listBytes = ExternalTermFormat.encode(lists)
        #expect(listBytes.count == 1 + 5 * depth + depth + 1)
        #expect(listBytes.prefix(6) == [131, 108, 0, 0, 0, 1])
        // And the decoder refuses them rather than build what `Term` cannot release.
        #expect(throws: ETFDecodingError.nestingTooDeep(limit: 2_000, offset: 1 + 2 * 2_000)) {
            try ExternalTermFormat.decode(tupleBytes)
        }
    }
}
