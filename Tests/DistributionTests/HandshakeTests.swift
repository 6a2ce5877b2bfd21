import ETF
import Testing
@testable import Distribution

/// The handshake state machine, both sides driven against each other without sockets.
@Suite struct HandshakeTests {
    let foo = Handshake.Identity(name: Atom("foo@vm"), creation: 7)
    let bar = Handshake.Identity(name: Atom("bar@vm"), creation: 9)

    /// Runs both sides until neither has anything to send; the acceptor's `checkPeer` is
    /// answered with `status`. Returns what each side ended with.
    func run(
        initiatorCookie: String = "C", acceptorCookie: String = "C", status: Handshake.Status = .ok,
        dialed: Atom = Atom("bar@vm")
    ) -> (initiator: [Handshake.Directive], acceptor: [Handshake.Directive]) {
        var a = Handshake(initiator: foo, peer: dialed, cookie: initiatorCookie, challenge: 0xDEADBEEF)
        var b = Handshake(acceptor: bar, cookie: acceptorCookie, challenge: 12345)
        var seenA: [Handshake.Directive] = [], seenB: [Handshake.Directive] = []
        var toB = a.start(), toA: [Handshake.Directive] = []
        seenA += toB
        while !toB.isEmpty || !toA.isEmpty {
            var next: [Handshake.Directive] = []
            for case .send(let bytes) in toB {
                for directive in b.receive(bytes) {
                    if case .checkPeer = directive { next += b.resolve(status); seenB.append(directive) } else { next.append(directive) }
                }
            }
            seenB += next
            toB = []
            toA = next
            var back: [Handshake.Directive] = []
            for case .send(let bytes) in toA {
                for directive in a.receive(bytes) {
                    if case .confirmAlive = directive { back += a.answerAlive(true) } else { back.append(directive) }
                }
            }
            seenA += back
            toA = []
            toB = back
        }
        return (seenA, seenB)
    }

    @Test func bothSidesEstablishWithTheSameCookie() {
        let (a, b) = run()
        #expect(a.last == .established(Handshake.Peer(name: Atom("bar@vm"), flags: .kvsh, creation: 9)))
        #expect(b.contains(.established(Handshake.Peer(name: Atom("foo@vm"), flags: .kvsh, creation: 7))))
        #expect(b.contains(.checkPeer(Atom("foo@vm"))))
    }

    @Test func sendNameIsVersion6() {
        var a = Handshake(initiator: foo, peer: Atom("bar@vm"), cookie: "C", challenge: 1)
        var expected: [UInt8] = [78, 0, 0, 0, 0x0D, 0x07, 0x5F, 0x7F, 0xBD, 0, 0, 0, 7, 0, 6]
        expected += Array("foo@vm".utf8)
        #expect(a.start() == [.send(expected)])
    }

    @Test func aWrongCookieIsAnInvalidChallengeReply() {
        let (a, b) = run(initiatorCookie: "A", acceptorCookie: "B")
        #expect(b.last == .fail(.invalidChallengeReply(peer: "foo@vm")))
        #expect(!a.contains { if case .established = $0 { true } else { false } })
        #expect(HandshakeError.invalidChallengeReply(peer: "x@vm").logLine
            == "** Connection attempt from node :x@vm rejected. Invalid challenge reply. **")
    }

    @Test func theInitiatorChecksWhoAnswered() {
        let (a, _) = run(dialed: Atom("baz@vm"))
        #expect(a.last == .fail(.wrongPeerName(expected: "baz@vm", got: "bar@vm")))
    }

    @Test func nokEndsTheLosingAttempt() {
        let (a, b) = run(status: .nok)
        #expect(b.last == .fail(.refused(peer: Atom("foo@vm"), status: "nok")))
        #expect(a.last == .fail(.refused(peer: Atom("bar@vm"), status: "nok")))
    }

    @Test func okSimultaneousGoesOn() {
        let (a, _) = run(status: .okSimultaneous)
        #expect(a.last == .established(Handshake.Peer(name: Atom("bar@vm"), flags: .kvsh, creation: 9)))
    }

    @Test func aliveIsAnsweredTrueAndReplacesTheOldConnection() {
        let (a, b) = run(status: .alive)
        #expect(b.contains(.replaceExisting(Atom("foo@vm"))))
        #expect(a.last == .established(Handshake.Peer(name: Atom("bar@vm"), flags: .kvsh, creation: 9)))
    }

    @Test func aliveIsAnsweredFalseWhenOurTableNoLongerWantsThisAttempt() {
        var a = Handshake(initiator: foo, peer: Atom("bar@vm"), cookie: "C", challenge: 1)
        _ = a.start()
        #expect(a.receive(Array("salive".utf8)) == [.confirmAlive(Atom("bar@vm"))])
        #expect(a.answerAlive(false) == [
            .send(Array("sfalse".utf8)), .fail(.refused(peer: Atom("bar@vm"), status: "alive")),
        ])
    }

    @Test func aPeerWithoutMandatoryFlagsIsRefused() {
        var b = Handshake(acceptor: bar, cookie: "C", challenge: 1)
        var message: [UInt8] = [78]
        message.appendBigEndian(DistributionFlags.kvsh.subtracting(.bigCreation).rawValue)
        message += [0, 0, 0, 1, 0, 6] + Array("old@vm".utf8)
        #expect(b.receive(message) == [.fail(.missingFlags(peer: "old@vm", missing: ["BIG_CREATION"]))])
    }

    @Test func malformedMessagesFail() {
        var b = Handshake(acceptor: bar, cookie: "C", challenge: 1)
        #expect(b.receive([78, 0, 0]) == [.fail(.truncated)])
        var c = Handshake(acceptor: bar, cookie: "C", challenge: 1)
        #expect(c.receive(Array("GET / HTTP/1.1".utf8)) == [.fail(.unexpectedMessage(tag: 71))])
        var d = Handshake(acceptor: bar, cookie: "C", challenge: 1)
        #expect(d.receive([110, 0, 5]) == [.fail(.unsupportedVersion)])
        var e = Handshake(acceptor: bar, cookie: "C", challenge: 1)
        var noHost: [UInt8] = [78]
        noHost.appendBigEndian(DistributionFlags.kvsh.rawValue)
        noHost += [0, 0, 0, 1, 0, 3] + Array("foo".utf8)
        #expect(e.receive(noHost) == [.fail(.badNodeName("foo"))])
    }
}
