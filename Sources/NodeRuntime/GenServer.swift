import ETF

/// gen_server's message protocol, as OTP and Elixir speak it, for servers written in Swift
/// (net_kernel, the KV registry, buckets, task supervisors) and their callers.
public enum GenServer {
    /// `{:"$gen_call", from, request}`: a call, with the `from` to reply to.
    public static func call(in message: Term) -> (from: Term, request: Term)? {
        guard case .tuple(let parts) = message, parts.count == 3, parts[0] == .atom("$gen_call") else { return nil }
        return (parts[1], parts[2])
    }

    /// `{:"$gen_cast", request}`.
    public static func cast(in message: Term) -> Term? {
        guard case .tuple(let parts) = message, parts.count == 2, parts[0] == .atom("$gen_cast") else { return nil }
        return parts[1]
    }

    /// `GenServer.reply/2`: `{tag, value}` to the caller, or to its alias when the tag is
    /// `[:alias | ref]` (OTP 24+ callers wait on an alias, so a late reply is dropped).
    public static func reply(to from: Term, _ value: Term, by process: Process) {
        guard case .tuple(let parts) = from, parts.count == 2, case .pid(let caller) = parts[0] else { return }
        let tag = parts[1]
        let message = Term.tuple([tag, value])
        if case .cons(let cell) = tag, cell.head == .atom("alias"), case .reference(let alias) = cell.tail {
            process.node.send(message, toAlias: alias, from: process.pid)
        } else {
            process.node.send(message, to: caller)
        }
    }
}
