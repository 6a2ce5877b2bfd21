import ETF
import NodeRuntime
import Testing

/// The guide's `KV` modules at the prompt of one node (the chapter's non-distributed tests).
@Suite struct KVModulesTests {
    @Test func registryAndBuckets() async throws {
        let s = Session(kv: true)
        #expect(try await s.run("KV.Registry.lookup(KV.Registry, \"shopping\")") == ":error")
        #expect(try await s.run("bucket = KV.Registry.create(KV.Registry, \"shopping\"); is_pid(bucket)") == "true")
        #expect(try await s.run("KV.Registry.create(KV.Registry, \"shopping\") == bucket") == "true")
        #expect(try await s.run("{:ok, ^bucket} = KV.Registry.lookup(KV.Registry, \"shopping\"); :ok") == ":ok")
        #expect(try await s.run("KV.Bucket.get(bucket, \"milk\")") == "nil")
        #expect(try await s.run("KV.Bucket.put(bucket, \"milk\", 3)") == ":ok")
        #expect(try await s.run("KV.Bucket.get(bucket, \"milk\")") == "3")
        #expect(try await s.run("KV.Bucket.delete(bucket, \"milk\")") == "3")
        #expect(try await s.run("KV.Bucket.get(bucket, \"milk\")") == "nil")
        // The guide's "removes bucket on crash": the registry forgets a bucket that died.
        #expect(try await s.run("Agent.stop(bucket, :shutdown)") == ":ok")
        #expect(try await s.run("Process.sleep(50); KV.Registry.lookup(KV.Registry, \"shopping\")") == ":error")
    }

    @Test func aBucketOfItsOwn() async throws {
        let s = Session(kv: true)
        #expect(try await s.run("{:ok, bucket} = KV.Bucket.start_link([]); KV.Bucket.put(bucket, \"eggs\", 1)") == ":ok")
        #expect(try await s.run("Agent.get(bucket, fn map -> map_size(map) end)") == "1")
    }

    /// The guide's `test "raises on unknown entries"`, and the checks of `put_env`.
    @Test func routingOnOneNode() async throws {
        let s = Session(node: LocalNode(name: Atom("foo@vm"), creation: 1, scheduler: testScheduler), kv: true)
        #expect(try await s.run("KV.Router.table()") == "[{0..255, :foo@vm}]")
        #expect(try await s.run("KV.Router.route(\"hello\", Kernel, :node, [])") == ":foo@vm")
        #expect(try await s.run("Application.put_env(:kv, :routing_table, [{?a..?m, node()}])") == ":ok")
        #expect(try await s.run("Application.get_env(:kv, :routing_table)") == "[{97..109, :foo@vm}]")
        #expect(try await s.run("KV.Router.route(<<0>>, Kernel, :node, [])")
            == "** (RuntimeError) could not find entry for <<0>> in table [{97..109, :foo@vm}]")
        #expect(try await s.run("KV.Router.route(\"\", Kernel, :node, [])").hasPrefix("** (ArgumentError) errors were found at the given arguments:"))
        #expect(try await s.run("KV.Router.route(:hello, Kernel, :node, [])").contains("1st argument: not a binary"))
        #expect(try await s.run("Application.put_env(:kv, :routing_table, [{?a..?m}])")
            == "** (ArgumentError) invalid routing table: entry 0 must be a {enumerable, node} tuple, got: {97..109}")
        // A refused table leaves the one before in place.
        #expect(try await s.run("KV.Router.table()") == "[{97..109, :foo@vm}]")
        #expect(try await s.run("KV.Router.route(\"hello\", Kernel, :nosuch, [])").hasPrefix("** (UndefinedFunctionError) function Kernel.nosuch/0 is undefined"))
    }

    @Test func theServersCommands() async throws {
        let s = Session(kv: true)
        #expect(try await s.run("KVServer.Command.parse(\"PUT shopping milk 1\\r\\n\")") == "{:ok, {:put, \"shopping\", \"milk\", \"1\"}}")
        #expect(try await s.run("KVServer.Command.parse(\"FOO\\r\\n\")") == "{:error, :unknown_command}")
        #expect(try await s.run("KVServer.Command.run({:get, \"shopping\", \"milk\"})") == "{:error, :not_found}")
        #expect(try await s.run("KVServer.Command.run({:create, \"shopping\"})") == "{:ok, \"OK\\r\\n\"}")
        #expect(try await s.run("KVServer.Command.run({:put, \"shopping\", \"milk\", \"1\"})") == "{:ok, \"OK\\r\\n\"}")
        #expect(try await s.run("KVServer.Command.run({:get, \"shopping\", \"milk\"})") == "{:ok, \"1\\r\\nOK\\r\\n\"}")
    }
}
