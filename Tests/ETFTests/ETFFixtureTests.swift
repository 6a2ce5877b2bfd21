import ETF
import Testing

/// Decoding and encoding against bytes recorded from a real `erl`.
@Suite struct ETFFixtureTests {
    @Test func everyFixtureHasAnExpectationOrIsAFun() {
        #expect(ETFFixtures.all.count > 60)
        for fixture in ETFFixtures.all where !fixture.name.hasPrefix("fun_") {
            #expect(ETFFixtures.expected[fixture.name] != nil, "no expectation for \(fixture.name)")
        }
        #expect(ETFFixtures.file.creation != 0, "record from a named node: creation 0 is never on the wire")
    }

    @Test(arguments: ETFFixtures.all.filter { !$0.name.hasPrefix("fun_") })
    func decodesToTheExpectedTerm(_ fixture: ETFFixture) throws {
        let expected = try #require(ETFFixtures.expected[fixture.name])
        #expect(try ExternalTermFormat.decode(fixture.defaultBytes) == expected, "\(fixture.erlangSource)")
        #expect(try ExternalTermFormat.decode(fixture.utf8Bytes) == expected, "\(fixture.erlangSource)")
    }

    @Test(arguments: ETFFixtures.all.filter { !$0.name.hasPrefix("fun_") && !ETFFixtures.nonCanonical.contains($0.name) })
    func encodesToErlsUTF8Bytes(_ fixture: ETFFixture) throws {
        let expected = try #require(ETFFixtures.expected[fixture.name])
        #expect(ExternalTermFormat.encode(expected) == fixture.utf8Bytes, "\(fixture.erlangSource)")
    }

    @Test(arguments: ETFFixtures.all)
    func reencodingADecodedTermRoundTrips(_ fixture: ETFFixture) throws {
        let term = try ExternalTermFormat.decode(fixture.defaultBytes)
        #expect(try ExternalTermFormat.decode(ExternalTermFormat.encode(term)) == term)
    }

    @Test func largeTuplesAndBigsUseTheLargeTags() throws {
        #expect(ETFFixtures.named("tuple_large").utf8Bytes[1] == ExternalTermFormat.Tag.largeTuple)
        #expect(ETFFixtures.named("large_big_2p2100").utf8Bytes[1] == ExternalTermFormat.Tag.largeBig)
        #expect(ETFFixtures.named("atom_255_latin1").utf8Bytes[1] == ExternalTermFormat.Tag.atomUTF8)
        #expect(ETFFixtures.named("atom_abc").defaultBytes[1] == ExternalTermFormat.Tag.atom)
    }

    // MARK: - Funs compiled on the BEAM

    @Test func beamFunsDecodeAndEchoByteForByte() throws {
        let node = Atom(ETFFixtures.file.node)
        for (name, arity, free) in [("fun_identity", 1, [Term]()), ("fun_adder", 1, [Term.int(5)])] {
            let fixture = ETFFixtures.named(name)
            let term = try ExternalTermFormat.decode(fixture.utf8Bytes)
            guard case .fun(let fun) = term, case .foreign(let foreign) = fun.kind else {
                Issue.record("\(name) is not a BEAM fun: \(term)")
                continue
            }
            #expect(fun.arity == arity)
            #expect(foreign.module == Atom("etf_fixture"))
            #expect(foreign.freeVariables == free)
            #expect(foreign.uniq.count == 16)
            if case .pid(let pid) = foreign.pid { #expect(pid.node == node) } else { Issue.record("no creator pid") }
            #expect(ExternalTermFormat.encode(term) == fixture.utf8Bytes, "a BEAM fun goes back as it came")
            #expect(try ExternalTermFormat.decode(fixture.defaultBytes) == term)
        }
    }

    @Test func anErlEvalFunKeepsItsEnvironment() throws {
        let fixture = ETFFixtures.named("fun_erl_eval")
        let term = try ExternalTermFormat.decode(fixture.utf8Bytes)
        guard case .fun(let fun) = term, case .foreign(let foreign) = fun.kind else {
            Issue.record("not a BEAM fun: \(term)")
            return
        }
        #expect(foreign.module == Atom("erl_eval"))
        #expect(fun.arity == 1)
        #expect(!foreign.freeVariables.isEmpty)
        #expect(ExternalTermFormat.encode(term) == fixture.utf8Bytes)
    }
}
