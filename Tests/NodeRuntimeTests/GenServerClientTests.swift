import ETF
import Testing
@testable import NodeRuntime

/// A server that answers every call with `{:echo, request}` after `delay` ms, and records casts.
private func echoServer(on node: LocalNode, delay: Int = 0) -> Pid {
    node.spawn { process in
        while let message = try await process.receive() {
            if let (from, request) = GenServer.call(in: message) {
                if delay > 0 { _ = try await process.receive(timeout: .milliseconds(delay)) { _ in Optional<Term>.none } }
                GenServer.reply(to: from, .tuple([.atom("echo"), request]), by: process)
            } else if let request = GenServer.cast(in: message), case .pid(let to) = request {
                node.send(.atom("cast_seen"), to: to)
            }
        }
    }.pid
}

@Suite struct GenServerClientTests {
    @Test func callSendsThroughAnAliasAndGetsTheReply() async throws {
        try await inProcess { node, me in
            let server = echoServer(on: node)
            let reply = try await GenServer.call(.pid(server), .atom("hi"), from: me)
            #expect(reply == .tuple([.atom("echo"), .atom("hi")]))
            try node.register(Atom("echo"), server)
            #expect(try await GenServer.call(.name(Atom("echo")), .int(1), from: me) == .tuple([.atom("echo"), .int(1)]))
            #expect(try await GenServer.call(.named(Atom("echo"), node: node.name), .int(2), from: me) == .tuple([.atom("echo"), .int(2)]))
            // Nothing is left behind: no :DOWN, no reply.
            #expect(me.messageQueueLength == 0)
        }
    }

    @Test func theRequestCarriesAnAliasOfTheCaller() async throws {
        try await inProcess { node, me in
            let spy = node.spawn { process in
                guard let message = try await process.receive(), let (from, _) = GenServer.call(in: message),
                      case .tuple(let parts) = from, case .cons(let tag) = parts[1], case .reference(let alias) = tag.tail else { return }
                GenServer.reply(to: from, .tuple([tag.head, .bool(node.aliasOwner(alias) == me.pid)]), by: process)
            }.pid
            let reply = try await GenServer.call(.pid(spy), .atom("x"), from: me)
            #expect(reply == .tuple([.atom("alias"), .true]))
        }
    }

    @Test func failuresCarryOTPsReasons() async throws {
        try await inProcess { node, me in
            await #expect(throws: GenServer.CallError(reason: .atom(.noproc), server: .atom("nobody"), request: .int(1), timeout: .int(5000))) {
                try await GenServer.call(.name(Atom("nobody")), .int(1), from: me)
            }
            await #expect(throws: GenServer.CallError(reason: .atom("calling_self"), server: .pid(me.pid), request: .int(1), timeout: .atom(.infinity))) {
                try await GenServer.call(.pid(me.pid), .int(1), timeout: .infinity, from: me)
            }
            let remote = GenServer.Server.named(Atom("kv"), node: Atom("elsewhere@vm"))
            do {
                _ = try await GenServer.call(remote, .int(1), from: me)
                Issue.record("a call to a node that cannot be reached returned")
            } catch let error as GenServer.CallError {
                #expect(error.reason == .tuple([.atom("nodedown"), .atom("elsewhere@vm")]))
                #expect(error.exitReason == .tuple([error.reason, .tuple([
                    .atom("Elixir.GenServer"), .atom("call"), .list([remote.term, .int(1), .int(5000)]),
                ])]))
            }
            let dying = node.spawn { process in
                guard try await process.receive() != nil else { return }
                throw ProcessExit(reason: .atom("boom"))
            }.pid
            await #expect(throws: GenServer.CallError(reason: .atom("boom"), server: .pid(dying), request: .int(1), timeout: .int(5000))) {
                try await GenServer.call(.pid(dying), .int(1), from: me)
            }
        }
    }

    @Test func aLateReplyIsDropped() async throws {
        try await inProcess { node, me in
            let slow = echoServer(on: node, delay: 100)
            await #expect(throws: GenServer.CallError(reason: .atom("timeout"), server: .pid(slow), request: .int(1), timeout: .int(10))) {
                try await GenServer.call(.pid(slow), .int(1), timeout: .milliseconds(10), from: me)
            }
            // The server still answers the next call; the late reply never reached the mailbox.
            let next = try await GenServer.call(.pid(slow), .int(2), from: me)
            #expect(next == .tuple([.atom("echo"), .int(2)]))
            #expect(me.messageQueueLength == 0)
        }
    }

    @Test func castNeverFails() async throws {
        try await inProcess { node, me in
            GenServer.cast(.name(Atom("nobody")), .int(1), from: me)
            GenServer.cast(.named(Atom("nobody"), node: Atom("elsewhere@vm")), .int(1), from: me)
            GenServer.cast(.pid(echoServer(on: node)), .pid(me.pid), from: me)
            let seen = try await me.receive(timeout: .milliseconds(5000))
            #expect(seen == .atom("cast_seen"))
        }
    }

    @Test func serverTerms() {
        #expect(GenServer.Server(.int(1)) == nil)
        #expect(GenServer.Server(.tuple([.atom("global"), .int(1)])) == nil)
        #expect(GenServer.Server(.tuple([.atom("a"), .atom("b@c")])) == .named(Atom("a"), node: Atom("b@c")))
    }
}
