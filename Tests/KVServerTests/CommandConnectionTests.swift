import ETF
import KV
import NIOCore
import NIOEmbedded
import NodeRuntime
import Testing
@testable import KVServer

/// The connection handler on an `EmbeddedChannel`, fed one byte at a time: commands the owning
/// node answers directly need no other thread.
@Suite struct CommandConnectionTests {
    @Test func commandsFedByteByByteAreAnsweredAsEachLineEnds() async throws {
        let node = LocalNode()
        let application = try KVApplication.start(on: node)
        _ = try await withCheckedThrowingContinuation { continuation in
            node.spawn { process in
                do { continuation.resume(returning: try await application.registry.create(Array("cart".utf8), by: process)) }
                catch { continuation.resume(throwing: error) }
            }
        }
        let channel = EmbeddedChannel(
            handler: CommandConnection(executor: CommandExecutor(application: application), configuration: KVServerConfiguration()))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4040)).get()
        var written = ""
        for byte in "PUT cart milk 2\r\nGET cart milk\nGET cart eggs\r\nDELETE cart milk\r\nGET nope k\r\nhello\r\n".utf8 {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            channel.pipeline.fireChannelReadComplete()
            while let reply = try channel.readOutbound(as: ByteBuffer.self) { written += String(buffer: reply) }
        }
        #expect(written == "OK\r\n2\r\nOK\r\n\r\nOK\r\nOK\r\nNOT FOUND\r\nUNKNOWN COMMAND\r\n")
        _ = try channel.finish()
    }
}
