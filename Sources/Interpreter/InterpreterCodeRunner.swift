import ETF
import NodeRuntime

/// What runs spawn requests from other nodes: `{module, function, args}` applied with this node's
/// module table (native modules, the shell's `defmodule`s, `Code.eval_quoted/2` for a `fn`).
///
/// A process whose group leader is on another node (one spawned by `Node.spawn*` over there) has
/// its crash report printed on that node's terminal, with `on node :foo@vm`, as the BEAM's logger
/// sends such reports to the group leader's node.
final class InterpreterCodeRunner: CodeRunner {
    /// Weak: the node keeps its runner, and the interpreter keeps its node.
    private weak let interpreter: Interpreter?

    init(_ interpreter: Interpreter) {
        self.interpreter = interpreter
    }

    func apply(_ module: Atom, _ function: Atom, _ arguments: [Term], in process: NodeRuntime.Process) async throws -> Term {
        guard let interpreter else {
            throw ProcessExit(reason: Self.undef(module, function, .list(arguments)))
        }
        do {
            return try await interpreter.call(module, function, arguments, CallContext(process: process, interpreter: interpreter))
        } catch let error as ElixirError {
            let reason = Self.exitReason(error, module, function, arguments)
            guard let report = error.crashReport else { throw ProcessExit(reason: reason) }
            let leader = process.groupLeader
            guard !process.node.isLocal(leader) else { throw SpawnedProcessCrash(exitReason: reason, crashReport: report) }
            Self.report(report, of: process, to: leader)
            throw ProcessExit(reason: reason)
        }
    }

    /// The BEAM's exit reason for the error: `{:undef, [{m, f, args, []}]}` for a call to a function
    /// that does not exist, as an Erlang process gets it; the error's own reason otherwise.
    private static func exitReason(_ error: ElixirError, _ module: Atom, _ function: Atom, _ arguments: [Term]) -> Term {
        guard error.kind == .error else { return error.exitReason }
        let (reason, stack) = error.erlangError(calling: module, function, arguments, initialCall: true)
        return .tuple([reason, stack])
    }

    private static func undef(_ module: Atom, _ function: Atom, _ arguments: Term) -> Term {
        .tuple([.atom("undef"), .list([.tuple([.atom(module), .atom(function), arguments, .emptyList])])])
    }

    /// Writes the crash report through the remote group leader, without waiting for its answer:
    /// the process is ending, and the caller's node may be gone.
    private static func report(_ report: String, of process: NodeRuntime.Process, to leader: Pid) {
        let node = process.node
        // Printed over there, where this node's pids are remote ones.
        var options = InspectOptions()
        options.pidNodeNumber = { _ in NodeTable.remoteNumber(of: node.name) }
        let header = "[error] Process \(Term.pid(process.pid).inspect(options)) on node \(Term.atom(node.name).inspect()) raised an exception"
        let text = "\n" + header + "\n" + report + "\n"
        let request = Term.tuple([.atom("put_chars"), .atom("unicode"), .string(text)])
        node.send(.tuple([.atom("io_request"), .pid(process.pid), .reference(node.makeReference()), request]), to: leader)
    }
}

/// A spawned process's crash with the BEAM's exit reason and iex's report.
struct SpawnedProcessCrash: ExitReasonProviding {
    let exitReason: Term
    let crashReport: String?
}
