import ETF
import NodeRuntime

/// The evaluator behind a prompt: a shell process that evaluates one input at a time with the
/// bindings of the inputs before it, as iex's evaluator does.
///
/// When the shell process dies (a linked crash, `Process.exit(self(), :kill)`), the next
/// evaluation starts a new one with no bindings, and the caller is told, as iex tells. An exit
/// signal that comes while the shell waits for input (a linked process that crashed after the
/// evaluation that spawned it, maybe on another node) ends it before the next input, which then
/// runs in a new shell process.
public actor Shell {
    public enum Outcome: Sendable, Equatable {
        case value(Term)
        /// The lines iex prints for an error (`** (RuntimeError) boom`).
        case error(String)
        /// The shell process exited; the text is iex's `** (EXIT from #PID<...>) ...` line.
        case restarted(String)
    }

    public nonisolated let interpreter: Interpreter
    public nonisolated let groupLeader: Pid
    private var bindings = Env(module: nil)
    private var process: NodeRuntime.Process?
    private var requests: AsyncStream<Request>.Continuation?
    /// The terminal: where an exit of the idle shell process is reported.
    private let output: @Sendable ([UInt8]) -> Void
    /// The shell process Ctrl-C killed: the input it was given is not run again in a new one.
    private var interrupted: Pid?

    struct Request: Sendable {
        /// What to run in the shell process, with the bindings so far; returns the value and the
        /// bindings after it.
        let body: @Sendable (CallContext, Env) async throws -> (Term, Env)
        let bindings: Env
        let reply: @Sendable (Reply) -> Void
    }

    /// How a request ended.
    enum Reply: Sendable {
        case evaluated(Result<(Term, Env), ElixirError>)
        /// The shell process died during the evaluation.
        case died
        /// The shell process had an exit signal to obey before it ran the request: it died
        /// without running it.
        case diedBefore
    }

    /// - Parameter output: where the shell's group leader writes (the terminal); the node's
    ///   `:kv` application writes there too.
    public init(interpreter: Interpreter, output: @escaping @Sendable ([UInt8]) -> Void) {
        self.interpreter = interpreter
        self.output = output
        groupLeader = interpreter.node.spawnIOServer(write: output)
        interpreter.kv?.setGroupLeader(groupLeader)
        // Crash reports of processes go to the terminal, as iex's logger prints them there.
        interpreter.node.setCrashLog { report in output(Array(("\n" + report + "\n").utf8)) }
    }

    /// The shell process's pid (starting one if none runs).
    public func pid() -> Pid { shellProcess().pid }

    /// Evaluates a complete input in the shell process.
    /// - Parameter line: the prompt counter, which iex reports as the line of a `CompileError`.
    public func evaluate(_ quoted: Term, line: Int = 1) async -> Outcome {
        let interpreter = self.interpreter
        return await perform(line: line) { context, bindings in
            var env = bindings
            let value = try await interpreter.eval(quoted, &env, context)
            return (value, env)
        }
    }

    /// Runs Swift code in the shell process, as an evaluation that binds nothing (a bucket
    /// command typed at the prompt).
    public func run(_ body: @escaping @Sendable (CallContext) async throws -> Term) async -> Outcome {
        await perform(line: 1) { context, bindings in (try await body(context), bindings) }
    }

    private func perform(line: Int, _ body: @escaping @Sendable (CallContext, Env) async throws -> (Term, Env)) async -> Outcome {
        let shell = shellProcess()
        let current = bindings
        let reply: Reply = await withCheckedContinuation { done in
            requests?.yield(Request(body: body, bindings: current) { done.resume(returning: $0) })
        }
        switch reply {
        case .evaluated(.success(let (value, env))):
            bindings = env
            return .value(value)
        case .evaluated(.failure(var error)):
            if error.exceptionName == "CompileError", case .map(var fields) = error.value {
                fields[.atom("line")] = .int(line)
                error.value = .map(fields)
            }
            return .error(error.iexDescription(interpreter.inspectOptions()))
        case .died:
            return .restarted(restart(after: shell))
        case .diedBefore where interrupted == shell.pid:
            // Ctrl-C before the evaluation began stops it all the same.
            return .restarted(restart(after: shell))
        case .diedBefore:
            output(Array((restart(after: shell) + "\n").utf8))
            return await perform(line: line, body)
        }
    }

    /// Forgets the dead shell process and its bindings; returns iex's `** (EXIT from ...)` line.
    private func restart(after shell: NodeRuntime.Process) -> String {
        process = nil
        requests = nil
        bindings = Env(module: nil)
        let reason = exitReason(of: shell)
        return "** (EXIT from \(Term.pid(shell.pid).inspect())) shell process exited with reason: \(Self.formatExit(reason, interpreter.inspectOptions()))"
    }

    /// Stops the evaluation in progress (Ctrl-C): the shell process is killed, and the pending
    /// `evaluate` answers `.restarted`, as when any other exit signal kills it.
    public func interrupt() {
        guard let process, process.isAlive else { return }
        interrupted = process.pid
        interpreter.node.exit(process.pid, reason: .atom(.kill), from: process.pid)
    }

    /// `Exception.format_exit/1`, as iex words the reason.
    static func formatExit(_ reason: Term, _ options: InspectOptions) -> String {
        ExitFormat.describe(reason, options)
    }

    /// Why the last shell process died, for the `** (EXIT from ...)` line.
    private var lastExitReason: [Pid: Term] = [:]

    private func exitReason(of shell: NodeRuntime.Process) -> Term { lastExitReason[shell.pid] ?? .atom("killed") }

    private func record(_ reason: Term, for pid: Pid) { lastExitReason = [pid: reason] }

    private func shellProcess() -> NodeRuntime.Process {
        if let process, process.isAlive { return process }
        let (stream, continuation) = AsyncStream<Request>.makeStream()
        requests = continuation
        let interpreter = self.interpreter
        let pid = interpreter.node.spawn(groupLeader: groupLeader) { [weak self] process in
            let context = CallContext(process: process, interpreter: interpreter)
            for await request in stream {
                do {
                    try process.checkpointNow()
                } catch {
                    await self?.record((error as? ProcessExit)?.reason ?? .atom(.killed), for: process.pid)
                    request.reply(.diedBefore)
                    throw error
                }
                do {
                    let (value, env) = try await request.body(context, request.bindings)
                    IExHelpers.remember(value, in: process)
                    request.reply(.evaluated(.success((value, env))))
                } catch let error as ElixirError {
                    request.reply(.evaluated(.failure(error)))
                } catch let exit as ProcessExit {
                    await self?.record(exit.reason, for: process.pid)
                    request.reply(.died)
                    throw exit
                } catch {
                    request.reply(.evaluated(.failure(.runtime(String(describing: error)))))
                }
            }
        }.pid
        // The new process is waiting for its first request, so it is certainly alive here.
        guard let started = interpreter.node.process(pid) else { preconditionFailure("a new shell process vanished") }
        process = started
        return started
    }
}
