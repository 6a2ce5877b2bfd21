import ETF
import KV
import NodeRuntime
import Testing

@Suite struct RegistryTests {
    private static func create(_ name: String) -> Term { .tuple([.atom("create"), bin(name)]) }
    private static func lookup(_ name: String) -> Term { .tuple([.atom("lookup"), bin(name)]) }

    /// `Agent.stop(bucket, reason)`: the `:sys` terminate message, then the `:DOWN`.
    private static func stop(_ bucket: Pid, _ reason: Term, by me: NodeRuntime.Process) async throws {
        let monitor = me.node.monitor(me, bucket)
        me.node.send(.tuple([.atom("system"), .tuple([.pid(me.pid), .reference(monitor)]), .tuple([.atom("terminate"), reason])]), to: bucket)
        #expect(try await me.down(monitor) == reason)
    }

    @Test func spawnsBucketsOnceAndLooksThemUp() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            #expect(node.whereis(Registry.name) == registry.pid)
            #expect(registry.lookup(Array("shopping".utf8)) == nil)
            #expect(try await me.call(registry.pid, Self.lookup("shopping")) == .error)
            let created = try await me.call(registry.pid, Self.create("shopping"))
            guard case .pid(let bucket)? = created else { Issue.record("create replied \(String(describing: created))"); return }
            #expect(try await me.call(registry.pid, Self.create("shopping")) == .pid(bucket))
            #expect(try await registry.create(Array("shopping".utf8), by: me) == bucket)
            #expect(registry.lookup(Array("shopping".utf8)) == bucket)
            #expect(try await me.call(registry.pid, Self.lookup("shopping")) == .tuple([.ok, .pid(bucket)]))
            #expect(try await me.call(bucket, .tuple([.atom("update"), mapCall("put", bin("milk"), .int(1))])) == .ok)
            #expect(try await me.call(bucket, .tuple([.atom("get"), mapCall("get", bin("milk"))])) == .int(1))
        }
    }

    @Test func aCastCreatesTheBucketToo() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            me.cast(registry.pid, Self.create("later"))
            let bucket = try await registry.create(Array("later".utf8), by: me)
            #expect(registry.lookup(Array("later".utf8)) == bucket)
            #expect(registry.bucketNames == [Array("later".utf8)])
        }
    }

    /// The guide's "removes bucket on crash" (and "removes buckets on exit" with `:normal`).
    @Test(arguments: [Term.atom("shutdown"), .atom("normal")])
    func removesBucketOnCrash(reason: Term) async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            let bucket = try await registry.create(Array("shopping".utf8), by: me)
            try await Self.stop(bucket, reason, by: me)
            // A call makes sure the registry processed the :DOWN.
            _ = try await registry.create(Array("bogus".utf8), by: me)
            #expect(registry.lookup(Array("shopping".utf8)) == nil)
            #expect(try await me.call(registry.pid, Self.lookup("shopping")) == .error)
            #expect(registry.isAlive)
        }
    }

    /// The guide's "bucket can crash at any time": calling the stopped bucket exits with `:noproc`.
    @Test func bucketCanCrashAtAnyTime() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            let bucket = try await registry.create(Array("shopping".utf8), by: me)
            try await Self.stop(bucket, .atom("shutdown"), by: me)
            let monitor = node.monitor(me, bucket)
            #expect(try await me.down(monitor) == .atom("noproc"))
            // A create after the crash gives a new, live bucket.
            let again = try await registry.create(Array("shopping".utf8), by: me)
            #expect(again != bucket)
            #expect(try await me.call(again, .tuple([.atom("get"), mapCall("get", bin("milk"))])) == .nil)
        }
    }

    @Test func aCrashingFunctionTakesOnlyItsBucketDown() async throws {
        try await inProcess { node, me async throws in
            let registry = try Registry.start(on: node)
            let bucket = try await registry.create(Array("a".utf8), by: me)
            let kept = try await registry.create(Array("b".utf8), by: me)
            let monitor = node.monitor(me, bucket)
            me.cast(bucket, .tuple([.atom("cast"), FakeCodeRunner.fun("boom")]))
            _ = try await me.down(monitor)
            _ = try await registry.create(Array("c".utf8), by: me)
            #expect(registry.isAlive)
            #expect(registry.lookup(Array("a".utf8)) == nil)
            #expect(registry.lookup(Array("b".utf8)) == kept)
        }
    }

    @Test func concurrentCreatesGiveOneBucket() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            let callers = 20
            for _ in 0..<callers {
                let parent = me.pid
                node.spawn { caller in
                    let bucket = try await registry.create(Array("shared".utf8), by: caller)
                    node.send(.pid(bucket), to: parent)
                }
            }
            var buckets = Set<Term>()
            for _ in 0..<callers {
                buckets.insert(try #require(try await me.receive(timeout: .milliseconds(5000))))
            }
            #expect(buckets.count == 1)
            #expect(buckets.first == registry.lookup(Array("shared".utf8)).map(Term.pid))
        }
    }

    @Test func lookupIsSafeFromOtherThreads() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            let names = (0..<50).map { Array("bucket\($0)".utf8) }
            async let reads: Int = Task.detached {
                var found = 0
                for _ in 0..<200 { for name in names where registry.lookup(name) != nil { found += 1 } }
                return found
            }.value
            for name in names { _ = try await registry.create(name, by: me) }
            _ = await reads
            #expect(names.allSatisfy { registry.lookup($0) != nil })
        }
    }

    @Test func badRequestsGetAnErrorAndTheRegistryLivesOn() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            #expect(try await me.call(registry.pid, .tuple([.atom("create"), .int(42)]))
                    == .tuple([.error, .tuple([.atom("bucket_name_not_a_binary"), .int(42)])]))
            #expect(try await me.call(registry.pid, .tuple([.atom("lookup"), .int(42)])) == .error)
            #expect(try await me.call(registry.pid, .atom("bogus")) == .tuple([.error, .tuple([.atom("bad_call"), .atom("bogus")])]))
            me.cast(registry.pid, .atom("bogus"))
            node.send(.atom("hello"), to: registry.pid)
            _ = try await registry.create(Array("x".utf8), by: me)
            #expect(registry.isAlive)
        }
    }

    @Test func aSecondRegistryOnTheNodeIsRefused() async throws {
        try await inProcess(runner: nil) { node, _ async throws in
            let registry = try Registry.start(on: node)
            let before = node.processCount
            #expect(throws: RegistryError.nameTaken(Registry.name, by: registry.pid)) {
                try Registry.start(on: node)
            }
            // The refused registry's process is gone (it may take a moment to end).
            for _ in 0..<100 where node.processCount > before { try await Task.sleep(for: .milliseconds(10)) }
            #expect(node.processCount == before)
        }
    }

    @Test func aDeadRegistryLeavesNoNames() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let registry = try Registry.start(on: node)
            _ = try await registry.create(Array("gone".utf8), by: me)
            let monitor = node.monitor(me, registry.pid)
            node.exit(registry.pid, reason: .atom("kill"), from: me.pid)
            #expect(try await me.down(monitor) == .atom("killed"))
            #expect(registry.lookup(Array("gone".utf8)) == nil)
            await #expect(throws: RegistryError.callFailed(request: Self.create("x"), reason: .atom("noproc"))) {
                try await registry.create(Array("x".utf8), by: me)
            }
        }
    }
}
