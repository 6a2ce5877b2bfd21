import ETF
import KV
import NodeRuntime
import Testing

@Suite struct BucketTests {
    @Test func theGuidesMapCallsRunWithoutTheInterpreter() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("milk"))])) == .nil)
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("milk"), .int(0))])) == .int(0))
            #expect(try await me.call(bucket, .tuple([.atom("update"), mapCall("put", bin("milk"), .int(3))])) == .ok)
            #expect(try await me.call(bucket, .tuple([.atom("update"), mapCall("put", bin("eggs"), .int(1))])) == .ok)
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("milk"))])) == .int(3))
            #expect(try await me.call(bucket, .tuple([.atom("get_and_update"), mapCall("pop", bin("milk"))])) == .int(3))
            #expect(try await me.call(bucket, .tuple([.atom("get_and_update"), mapCall("pop", bin("milk"), .atom("gone"))])) == .atom("gone"))
            #expect(try await me.call(bucket, .tuple([.atom("update"), mapCall("delete", bin("eggs"))])) == .ok)
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("eggs"))])) == .nil)
        }
    }

    @Test func aGetLeavesTheStateAsItWas() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node, state: TermMap([bin("a"): .int(1)])).pid
            let putView = try await me.call(bucket, .tuple([.atom("get"), mapCall("put", bin("b"), .int(2))]))
            #expect(putView == .map([(bin("a"), .int(1)), (bin("b"), .int(2))]))
            #expect(try await me.systemCall(bucket, .atom("get_state")) == .tuple([.ok, .map([(bin("a"), .int(1))])]))
        }
    }

    @Test func otherFunctionsRunThroughTheCodeRunner() async throws {
        try await inProcess { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            let add = Term.tuple([.atom("Elixir.Fake"), .atom("add"), .list([bin("milk"), .int(3)])])
            #expect(try await me.call(bucket, .tuple([.atom("update"), add])) == .ok)
            #expect(try await me.call(bucket, .tuple([.atom("get"), FakeCodeRunner.fun("size")])) == .int(1))
            let pair = try await me.call(bucket, .tuple([.atom("get_and_update"), FakeCodeRunner.fun("pair")]))
            #expect(pair == .atom("got"))
            // `pair` made the state the map itself again.
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("milk"))])) == .int(3))
        }
    }

    @Test func aCastChangesTheStateWithoutAReply() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            me.cast(bucket, .tuple([.atom("cast"), mapCall("put", bin("k"), bin("v"))]))
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("k"))])) == bin("v"))
            #expect(me.messageQueueLength == 0)
        }
    }

    @Test func repliesGoToTheCallersAlias() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node, state: TermMap([bin("k"): .int(7)])).pid
            let alias = node.makeAlias(for: me)
            let tag = Term.list([.atom("alias")], tail: .reference(alias))
            node.send(.tuple([.atom("$gen_call"), .tuple([.pid(me.pid), tag]), .tuple([.atom("get"), mapCall("get", bin("k"))])]), to: bucket)
            let reply = try await me.receive(timeout: .milliseconds(5000))
            #expect(reply == .tuple([tag, .int(7)]))
            // A late reply to a deactivated alias is dropped.
            node.removeAlias(alias, of: me)
            node.send(.tuple([.atom("$gen_call"), .tuple([.pid(me.pid), tag]), .tuple([.atom("get"), mapCall("get", bin("k"))])]), to: bucket)
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("k"))])) == .int(7))
            #expect(me.messageQueueLength == 0)
        }
    }

    @Test(arguments: [Term.atom("normal"), .atom("shutdown"), .tuple([.atom("shutdown"), .atom("bye")])])
    func stopEndsTheBucketWithTheReason(reason: Term) async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            let monitor = node.monitor(me, bucket)
            node.send(.tuple([.atom("system"), .tuple([.pid(me.pid), .reference(monitor)]), .tuple([.atom("terminate"), reason])]), to: bucket)
            #expect(try await me.down(monitor) == reason)
            #expect(me.messageQueueLength == 0)
        }
    }

    @Test func aRaisingFunctionCrashesOnlyTheBucket() async throws {
        try await inProcess { node, me async throws in
            let bucket = Bucket.start(on: node, state: TermMap([bin("k"): .int(1)])).pid
            let other = Bucket.start(on: node).pid
            let monitor = node.monitor(me, bucket)
            node.send(.tuple([.atom("$gen_call"), .tuple([.pid(me.pid), .reference(monitor)]), .tuple([.atom("get"), FakeCodeRunner.fun("boom")])]), to: bucket)
            #expect(try await me.down(monitor) == .tuple([.atom("boom"), .map([(bin("k"), .int(1))])]))
            #expect(me.isAlive)
            #expect(try await me.call(other, .tuple([.atom("update"), mapCall("put", bin("k"), .int(2))])) == .ok)
        }
    }

    @Test func aCastThatIsNotAgentsEndsTheBucketAsAgentDoes() async throws {
        try await inProcess { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            let monitor = node.monitor(me, bucket)
            me.cast(bucket, .tuple([.atom("update"), mapCall("put", bin("k"), .int(1))]))
            let reason = try #require(try await me.down(monitor))
            #expect(reason.tupleFirst == .atom("function_clause"))
        }
    }

    @Test func aNonPairFromGetAndUpdateEndsTheBucket() async throws {
        try await inProcess { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            let monitor = node.monitor(me, bucket)
            node.send(.tuple([.atom("$gen_call"), .tuple([.pid(me.pid), .reference(monitor)]), .tuple([.atom("get_and_update"), FakeCodeRunner.fun("not_pair")])]), to: bucket)
            #expect(try await me.down(monitor) == .tuple([.atom("bad_return_value"), .atom("oops")]))
        }
    }

    @Test func anUnknownCallEndsTheBucketAsAgentDoes() async throws {
        try await inProcess { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            let monitor = node.monitor(me, bucket)
            node.send(.tuple([.atom("$gen_call"), .tuple([.pid(me.pid), .reference(monitor)]), .atom("bogus")]), to: bucket)
            let reason = try #require(try await me.down(monitor))
            let frame = Term.tuple([.atom("Elixir.Agent.Server"), .atom("handle_call"),
                                    .list([.atom("bogus"), .tuple([.pid(me.pid), .reference(monitor)]), .map([])]), .emptyList])
            #expect(reason == .tuple([.atom("function_clause"), .list([frame])]))
        }
    }

    @Test func withoutACodeRunnerOtherFunctionsEndTheBucketWithUndef() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            let monitor = node.monitor(me, bucket)
            node.send(.tuple([.atom("$gen_call"), .tuple([.pid(me.pid), .reference(monitor)]), .tuple([.atom("get"), FakeCodeRunner.fun("size")])]), to: bucket)
            let reason = try #require(try await me.down(monitor))
            #expect(reason.tupleFirst == .atom("undef"))
        }
    }

    @Test func otherMessagesAreIgnored() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let bucket = Bucket.start(on: node).pid
            node.send(.atom("hello"), to: bucket)
            node.send(.tuple([.atom("$gen_call"), .atom("no_from")]), to: bucket)
            #expect(try await me.systemCall(bucket, .atom("get_status")) == .tuple([.error, .tuple([.atom("unknown_system_msg"), .atom("get_status")])]))
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("k"))])) == .nil)
        }
    }
}

extension NodeRuntime.Process {
    /// `:sys`'s `{:system, {pid, ref}, request}`, waiting for `{ref, reply}`.
    func systemCall(_ server: Pid, _ request: Term) async throws -> Term? {
        let ref = Term.reference(node.makeReference())
        node.send(.tuple([.atom("system"), .tuple([.pid(pid), ref]), request]), to: server)
        return try await receive(timeout: .milliseconds(5000)) { message -> Term? in
            guard case .tuple(let parts) = message, parts.count == 2, parts[0] == ref else { return nil }
            return parts[1]
        }
    }
}

extension Term {
    var tupleFirst: Term? {
        guard case .tuple(let parts) = self else { return nil }
        return parts.first
    }
}
