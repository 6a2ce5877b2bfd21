import ETF

/// The atoms of exit signals and of the gen_server, Task and erpc protocols, interned once:
/// `Atom("…")` takes the atom table's lock and hashes the text, and these are matched or built
/// on every signal and call.
extension Atom {
    public static let normal = Atom("normal")
    public static let kill = Atom("kill")
    public static let killed = Atom("killed")
    public static let noproc = Atom("noproc")
    public static let noconnection = Atom("noconnection")
    public static let exitTag = Atom("EXIT")
    public static let down = Atom("DOWN")
    public static let process = Atom("process")
    public static let infinity = Atom("infinity")
    public static let genCall = Atom("$gen_call")
    public static let genCast = Atom("$gen_cast")
    public static let alias = Atom("alias")
    public static let timeout = Atom("timeout")
    public static let nodedown = Atom("nodedown")
    public static let structField = Atom("__struct__")
    public static let elixirTask = Atom("Elixir.Task")
    public static let startTask = Atom("start_task")
    public static let monitor = Atom("monitor")
    public static let link = Atom("link")
    public static let temporary = Atom("temporary")
    public static let ancestors = Atom("$ancestors")
    public static let callers = Atom("$callers")
    public static let initialCall = Atom("$initial_call")
    public static let spawnReply = Atom("spawn_reply")
    public static let `return` = Atom("return")
    static let mfa = Atom("mfa")
    static let owner = Atom("owner")
    static let pid = Atom("pid")
    static let ref = Atom("ref")
}
