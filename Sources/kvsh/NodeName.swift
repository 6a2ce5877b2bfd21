#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Node names as `erl -sname` / `-name` accept them: `name@host`, where the name part is
/// letters, digits, `_` and `-`, and the host part adds `.` (and, for `-sname`, no dot).
enum NodeName {
    /// Why a name was refused; the text is what `kvsh` prints.
    enum Problem: Error, Equatable, CustomStringConvertible {
        case invalidName(String)
        case invalidHost(String)
        case dottedShortHost(String)

        var description: String {
            switch self {
            case .invalidName(let name):
                return "invalid node name '\(name)': use letters, digits, '_' and '-' before the '@'"
            case .invalidHost(let host):
                return "invalid host name '\(host)': use letters, digits, '.', '_' and '-'"
            case .dottedShortHost(let host):
                return "can't set short node name with host '\(host)': --sname needs a host without dots (use --name)"
            }
        }
    }

    /// The full node name for `--sname NAME` (host: this machine's short host name).
    static func short(_ argument: String, hostName: String = NodeName.hostName()) throws(Problem) -> String {
        let (name, host) = split(argument, defaultHost: shortHost(hostName))
        try check(name: name, host: host)
        if host.contains(".") { throw .dottedShortHost(host) }
        return "\(name)@\(host)"
    }

    /// The full node name for `--name NAME@HOST` (host defaults to the full host name).
    static func long(_ argument: String, hostName: String = NodeName.hostName()) throws(Problem) -> String {
        let (name, host) = split(argument, defaultHost: hostName)
        try check(name: name, host: host)
        return "\(name)@\(host)"
    }

    /// The host name up to its first dot, as Erlang's short names use it.
    static func shortHost(_ hostName: String) -> String {
        String(hostName.prefix { $0 != "." })
    }

    /// This machine's host name (`gethostname(2)`).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func split(_ argument: String, defaultHost: String) -> (name: String, host: String) {
        guard let at = argument.firstIndex(of: "@") else { return (argument, defaultHost) }
        return (String(argument[..<at]), String(argument[argument.index(after: at)...]))
    }

    private static func check(name: String, host: String) throws(Problem) {
        let nameCharacters = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-") }
        guard !name.isEmpty, name.allSatisfy(nameCharacters) else { throw .invalidName(name) }
        guard !host.isEmpty, host.allSatisfy({ nameCharacters($0) || $0 == "." }) else { throw .invalidHost(host) }
    }
}
