import ETF

/// Elixir's `Exception.format_exit/1`: how iex words an exit reason, under `** (exit)` and after
/// "shell process exited with reason:". A call's exit, `{reason, {m, f, args}}`, reads
/// `exited in: GenServer.call(…)` with its reason below it under `** (EXIT)`.
enum ExitFormat {
    static func describe(_ reason: Term, _ options: InspectOptions, joiner: String = "\n    ") -> String {
        if case .tuple(let parts) = reason, parts.count == 2 {
            if ElixirError.isException(parts[0]), parts[1].properList != nil {
                // kvsh keeps no stacktraces: Elixir needs a non-empty one here, kvsh takes `[]` too.
                let banner = ElixirError(kind: .error, value: parts[0]).iexDescription(options)
                return "an exception was raised:" + joiner + banner
            }
            if case .tuple(let call) = parts[1], call.count == 3, case .atom(let module) = call[0],
               case .atom(let function) = call[1], let args = call[2].properList {
                return "exited in: " + describeCall(module, function, args, options) + joiner + "** (EXIT) "
                    + describe(parts[0], options, joiner: joiner + "    ")
            }
            if parts[0] == .atom("nodedown"), case .atom(let node) = parts[1] { return "no connection to \(node.text)" }
            if parts[0] == .atom("shutdown") { return "shutdown: " + parts[1].inspect(options) }
        }
        guard let atom = reason.atomValue else { return reason.inspect(options) }
        switch atom.text {
        case "normal", "shutdown", "killed": return atom.text
        case "noconnection": return "no connection"
        case "timeout": return "time out"
        case "calling_self": return "process attempted to call itself"
        case "noproc":
            return "no process: the process is not alive or there's no process currently associated with the given name, possibly because its application isn't started"
        default: return reason.inspect(options)
        }
    }

    /// `GenServer.call(:foo, :bar, 5000)`: a call as `Exception.format_mfa/3` shows it.
    static func describeCall(_ module: Atom, _ function: Atom, _ args: [Term], _ options: InspectOptions) -> String {
        let name = module.text.hasPrefix("Elixir.") ? String(module.text.dropFirst(7)) : Term.atom(module).inspect(options)
        return "\(name).\(function.text)(\(args.map { $0.inspect(options) }.joined(separator: ", ")))"
    }
}
