import ETF
import KV
import NodeRuntime
import Testing

@Suite struct KVApplicationTests {
    @Test func startsTheRegistryAndHoldsTheTable() async throws {
        try await inProcess(runner: nil) { node, me async throws in
            let app = try KVApplication.start(on: node)
            #expect(app.routingTable == .everythingTo(node.name))
            #expect(node.whereis(Registry.name) == app.registry.pid)
            let bucket = try await app.registry.create(Array("shopping".utf8), by: me)
            #expect(app.registry.lookup(Array("shopping".utf8)) == bucket)

            let table = try RoutingTable(.list([.tuple([.list([.int(97)]), .atom("foo@vm")])]))
            app.routingTable = table
            #expect(app.routingTable == table)
            #expect(throws: RegistryError.self) { try KVApplication.start(on: node) }
        }
    }
}
