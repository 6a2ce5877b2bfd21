import ETF
import NIOCore
import Testing
@testable import Distribution

/// Frames with a distribution header, as OTP 25 sends them once the atom cache is negotiated:
/// recorded from an Elixir 1.14 node (`cli@vm`) connecting to a kvsh node (`srv@vm`) and making
/// `Task.Supervisor.async` + `Task.await` calls, in the order they came.
@Suite struct AtomCacheFrameTests {
    /// `rex` features request, `global` init_connect, then the calls: MONITOR, REG_SEND of
    /// `$gen_call` `:start_task`, global's init_connect_ack, DEMONITOR, LINK, MONITOR,
    /// SEND_SENDER with the task's MFA, then the next call's MONITOR and REG_SEND, whose header
    /// names only atoms cached by the earlier frames.
    static let recorded: [String] = [
        "8344048fdc00dd06636c6940766d05007803726578081066656174757265735f7265717565737468046106585200000000360000000093df0039520152026802585200000000360000000093df00395203",
        "834409079ddd8d0cdd055612676c6f62616c5f6e616d655f73657276657223092467656e5f63617374640c696e69745f636f6e6e65637485066c6f636b6572e30f6e6f5f6c6f6e6765725f615f7069649a0d636f6e6e656374696f6e5f6964d10673727640766d68046106585200000000370000000093df0039520152026802520368045204680261086e0801feffffffffffff0752006804520552067400000001680252075208620099f4ec585200000000380000000093df0039",
        "834402e700dddd15456c697869722e4b562e526f757465725461736b7368046113585200000000660000000093df003952015a0003520093df0039000266fa39490001a2c84d04",
        "8344090796e8d90edd05dd20092467656e5f63616c6c1f05616c696173d90a73746172745f7461736b9d076d6f6e69746f72250974656d706f72617279cb036e696c68046106585200000000660000000093df003952015202680352036802585200000000660000000093df00396c0000000152045a0003520093df0039000266fa39490001a2c84d04680452056c0000000268035200585200000000660000000093df0039585200000000660000000093df003952066a52075208",
        "83440407d500dd05566e10696e69745f636f6e6e6563745f61636b68046106585200000000370000000093df00395201520268045203520061016e0801feffffffffffff07",
        "8344026700dddd68046114585200000000660000000093df003952015a0003520093df0039000266fa39490001a2c84d04",
        "8344024700ddd168036101585200000000660000000093df0039585201000000450000000093df0038",
        "8344024700ddd168046113585200000000660000000093df0039585201000000450000000093df00385a0003520093df0039000266fb39490001a2c84d04",
        "834404479900ddd1750d456c697869722e4b65726e656cbe046e6f646568036116585200000000660000000093df0039585201000000450000000093df00386805585200000000660000000093df00395a0003520093df0039000266fb39490001a2c84d045a0003520093df0039000266fb39490001a2c84d046c00000001585200000000660000000093df00396a6803520252036a",
        "8344026700dddd68046113585200000000660000000093df003952015a0003520093df0039000266fc39490001a2c84d04",
        "8344090716605106dd05dd201fd99d25cb68046106585200000000660000000093df003952015202680352036802585200000000660000000093df00396c0000000152045a0003520093df0039000266fc39490001a2c84d04680452056c0000000268035200585200000000660000000093df0039585200000000660000000093df003952066a52075208",
    ]

    static func decodeAll(_ frames: [String]) throws -> [ControlMessage] {
        var atomCache = AtomCacheDecoder()
        return try frames.map { hex in
            try ControlMessage.decode(frameBody: ByteBuffer(bytes: bytes(hex: hex)), atomCache: &atomCache)
        }
    }

    @Test func decodesWhatOTPSendsInOrder() throws {
        let messages = try Self.decodeAll(Self.recorded)
        let client = Atom("cli@vm")
        guard case let .regSend(_, name, .tuple(features)) = messages[0] else { Issue.record("\(messages[0])"); return }
        #expect(name == "rex")
        #expect(features.last == .atom("features_request"))
        guard case let .monitor(owner, .name(supervisor), _) = messages[2] else { Issue.record("\(messages[2])"); return }
        #expect(supervisor == "Elixir.KV.RouterTasks")
        #expect(owner.node == client)
        guard case let .regSend(_, "Elixir.KV.RouterTasks", call) = messages[3],
              case .tuple(let parts) = call, parts.count == 3, parts[0] == .atom("$gen_call"),
              case .tuple(let request) = parts[2] else { Issue.record("\(messages[3])"); return }
        #expect(request.first == .atom("start_task"))
        guard case let .sendSender(_, _, message) = messages[8], case .tuple(let task) = message,
              let mfa = task.last else { Issue.record("\(messages[8])"); return }
        #expect(mfa == .tuple([.atom("Elixir.Kernel"), .atom("node"), .emptyList]))
        // The second call names the same atoms by slot only, and reads the same.
        guard case let .monitor(_, .name(again), _) = messages[9] else { Issue.record("\(messages[9])"); return }
        #expect(again == supervisor)
        guard case let .regSend(_, _, secondCall) = messages[10], case .tuple(let secondParts) = secondCall else {
            Issue.record("\(messages[10])")
            return
        }
        #expect(secondParts.last == parts.last)
    }

    @Test func aFrameThatNamesCachedAtomsNeedsTheCacheThatHoldsThem() throws {
        // The second call's MONITOR alone, on a fresh cache: its slots were filled by earlier frames.
        do {
            _ = try Self.decodeAll([Self.recorded[9]])
            Issue.record("decoded without the atoms it names")
        } catch DistributionError.badTerm(.invalidValue(let text, _)) {
            #expect(text.contains("holds no atom"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func whatKvshWritesWithTheCacheReadsBack() throws {
        let sender = AtomCacheEncoder()
        var receiver = AtomCacheDecoder()
        for (_, message) in ControlMessageTests.encodable + ControlMessageTests.encodable {
            var bytes: [UInt8] = []
            message.encodeFrame(into: &bytes, atomCache: sender)
            #expect(Array(bytes.prefix(2)) == [131, 68])
            #expect(try ControlMessage.decode(frameBody: ByteBuffer(bytes: bytes), atomCache: &receiver) == message)
        }
    }

    @Test func fragmentsAreNotNegotiated() {
        var receiver = AtomCacheDecoder()
        #expect(throws: DistributionError.unexpectedFrameType(69)) {
            try ControlMessage.decode(frameBody: ByteBuffer(bytes: [131, 69, 0, 0]), atomCache: &receiver)
        }
    }
}
