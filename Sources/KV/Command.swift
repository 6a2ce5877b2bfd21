/// One line of the guide's text protocol (`KVServer.Command.parse/1`), typed at the shell's prompt
/// or sent to the TCP server: both parse it here, once.
///
/// Words are separated by runs of ASCII whitespace, as `String.split/1` splits them, and kept as
/// bytes: bucket names, keys and values are binaries in the store.
public enum Command: Equatable, Sendable {
    case create(bucket: [UInt8])
    case get(bucket: [UInt8], key: [UInt8])
    case put(bucket: [UInt8], key: [UInt8], value: [UInt8])
    case delete(bucket: [UInt8], key: [UInt8])

    /// Parses a line without its line ending (a trailing `\r\n` or `\n` is whitespace anyway).
    /// - Returns: nil for anything the guide's server answers `UNKNOWN COMMAND`: another verb,
    ///   the wrong number of words, lowercase verbs.
    public init?(parsing line: some Collection<UInt8>) {
        let words = Self.words(line)
        guard let verb = words.first.flatMap(Verb.init) else { return nil }
        switch (verb, words.count) {
        case (.create, 2): self = .create(bucket: words[1])
        case (.get, 3): self = .get(bucket: words[1], key: words[2])
        case (.put, 4): self = .put(bucket: words[1], key: words[2], value: words[3])
        case (.delete, 3): self = .delete(bucket: words[1], key: words[2])
        default: return nil
        }
    }

    /// The protocol's verbs, matched as bytes: no string is made for a line's first word.
    private enum Verb {
        case create, get, put, delete

        init?(_ word: [UInt8]) {
            if word.elementsEqual("CREATE".utf8) {
                self = .create
            } else if word.elementsEqual("GET".utf8) {
                self = .get
            } else if word.elementsEqual("PUT".utf8) {
                self = .put
            } else if word.elementsEqual("DELETE".utf8) {
                self = .delete
            } else {
                return nil
            }
        }
    }

    /// The bucket the command is about: what the router routes on.
    public var bucket: [UInt8] {
        switch self {
        case .create(let bucket), .get(let bucket, _), .put(let bucket, _, _), .delete(let bucket, _): bucket
        }
    }

    /// True when `line` starts with one of the protocol's verbs followed by a space: how the shell
    /// tells a bucket command from an Elixir expression (`GET` alone is an alias, `GET x y` is not Elixir).
    public static func looksLikeCommand(_ line: some Collection<UInt8>) -> Bool {
        let words = words(line)
        return words.count > 1 && Verb(words[0]) != nil
    }

    private static func words(_ line: some Collection<UInt8>) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in line {
            if byte == 0x20 || (0x09...0x0D).contains(byte) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
