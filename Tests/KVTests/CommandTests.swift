import KV
import Testing

@Suite struct CommandTests {
    private func parse(_ line: String) -> Command? { Command(parsing: Array(line.utf8)) }

    private static func b(_ text: String) -> [UInt8] { Array(text.utf8) }
    private static let accepted: [(String, Command)] = [
        ("CREATE shopping\r\n", .create(bucket: b("shopping"))),
        ("CREATE  shopping", .create(bucket: b("shopping"))),
        ("GET shopping milk\r\n", .get(bucket: b("shopping"), key: b("milk"))),
        ("PUT shopping milk 1\r\n", .put(bucket: b("shopping"), key: b("milk"), value: b("1"))),
        ("\tPUT shopping milk 1 ", .put(bucket: b("shopping"), key: b("milk"), value: b("1"))),
        ("DELETE shopping eggs\n", .delete(bucket: b("shopping"), key: b("eggs"))),
        ("PUT shöpping mïlk ☕", .put(bucket: b("shöpping"), key: b("mïlk"), value: b("☕"))),
    ]

    @Test(arguments: accepted)
    func parsesTheGuidesCommands(line: String, expected: Command) {
        #expect(parse(line) == expected)
    }

    @Test(arguments: [
        "", "\r\n", "FOO", "CREATE", "CREATE a b", "GET shopping", "GET a b c", "PUT shopping milk",
        "PUT a b c d", "DELETE shopping", "create shopping", "Get shopping milk", "UNKNOWN COMMAND",
    ])
    func rejectsEverythingElse(line: String) {
        #expect(parse(line) == nil)
    }

    @Test func theBucketIsWhatGetsRouted() {
        #expect(parse("PUT shopping milk 1")?.bucket == Self.b("shopping"))
        #expect(parse("CREATE x")?.bucket == Self.b("x"))
    }

    @Test func onlyAVerbWithArgumentsLooksLikeACommand() {
        #expect(Command.looksLikeCommand(Self.b("CREATE shopping")))
        #expect(Command.looksLikeCommand(Self.b("GET shopping")))
        #expect(!Command.looksLikeCommand(Self.b("GET")))
        #expect(!Command.looksLikeCommand(Self.b("get shopping milk")))
        #expect(!Command.looksLikeCommand(Self.b("Node.list")))
    }
}
