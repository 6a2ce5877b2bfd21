import Distribution
import EPMD
import ETF
import Foundation
import Interpreter
import KV
import NodeRuntime

/// Measures the calls the router makes between two nodes, through the same native functions the
/// shell calls, the same work as `Benchmarks/reference/call_bench.ex` does between two BEAM nodes:
/// - `serve NAME`: starts node NAME as kvsh starts one (its `:kv` application: `KV.Registry` and
///   the `KV.RouterTasks` task supervisor), prints `ready`, and runs until killed.
/// - `client NAME PEER`: starts node NAME, connects to PEER and, for 1 and 8 concurrent callers
///   (processes), times CALLS (5,000) calls per caller after WARMUP (500) each, printing
///   `KIND_CALLERS_per_s` (all callers' calls per second) and `KIND_CALLERS_mean_us` (the mean
///   latency one caller saw) for
///   - `genserver`: `GenServer.call({KV.Registry, peer}, {:lookup, "nosuchbucket"})`,
///   - `rpc`: `:rpc.call(peer, Kernel, :node, [])`,
///   - `task`: `Task.Supervisor.async({KV.RouterTasks, peer}, Kernel, :node, []) |> Task.await()`.
/// KINDS (comma-separated, default all three) picks some of them, e.g. to profile one path.
/// SCHEDULERS runs processes on that many scheduler threads instead of the network thread;
/// BUSY_WAIT_US sets how long the network thread polls before it sleeps (default 100).
/// A name without `@` gets this machine's short host name. Both sides need the same cookie
/// (COOKIE, default `callbench`) and a port mapper on ERL_EPMD_PORT; this program never starts one.

let environment = ProcessInfo.processInfo.environment
let calls = max(1, environment["CALLS"].flatMap { Int($0) } ?? 5_000)
let warmUp = max(0, environment["WARMUP"].flatMap { Int($0) } ?? 500)

let arguments = Array(CommandLine.arguments.dropFirst())
switch (arguments.first, arguments.count) {
case ("serve", 2):
    let distributed = try await startNode(arguments[1])
    let interpreter = Interpreter(node: distributed.node, kv: try KVApplication.start(on: distributed.node))
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    while true {
        try await Task.sleep(for: .seconds(3600))
        _ = interpreter
    }
case ("client", 3):
    let distributed = try await startNode(arguments[1])
    try await client(Interpreter(node: distributed.node), peer: Atom(fullName(arguments[2])))
    exit(0)
default:
    FileHandle.standardError.write(Data("usage: CallBench serve NAME | CallBench client NAME PEER\n".utf8))
    exit(2)
}

func startNode(_ name: String) async throws -> DistributedNode {
    var settings = DistributionSettings(portMapperPort: PortMapper.defaultPort(environment: environment))
    if let microseconds = environment["BUSY_WAIT_US"].flatMap({ Int($0) }) { settings.busyWaitMicroseconds = microseconds }
    return try await DistributedNode.start(
        name: Atom(fullName(name)), cookie: environment["COOKIE"] ?? "callbench",
        settings: settings,
        scheduler: environment["SCHEDULERS"].flatMap { Int($0) }.map { Scheduler(threads: $0) }
    ) { port in
        throw PortMapperError.unreachable(host: "localhost", port: port)
    }
}

func fullName(_ name: String) -> String {
    name.contains("@") ? name : "\(name)@\(ProcessInfo.processInfo.hostName.prefix { $0 != "." })"
}

/// One kind of call, made from a process through the interpreter's native functions.
typealias Call = @Sendable (CallContext) async throws -> Term

func client(_ interpreter: Interpreter, peer: Atom) async throws {
    let node = interpreter.node
    guard await node.remoteRouter?.connect(to: peer) == true else {
        FileHandle.standardError.write(Data("cannot connect to \(peer.text)\n".utf8))
        exit(1)
    }
    // Interned once, as a BEAM module's atoms are when it is loaded.
    let (genServer, call, registry, lookup) = (Atom("Elixir.GenServer"), Atom("call"), Atom("Elixir.KV.Registry"), Atom("lookup"))
    let (rpc, kernel, nodeFunction) = (Atom("rpc"), Atom("Elixir.Kernel"), Atom("node"))
    let (taskSupervisor, async, task, awaitFunction) = (Atom("Elixir.Task.Supervisor"), Atom("async"), Atom("Elixir.Task"), Atom("await"))
    let kinds: [(String, Call)] = [
        ("genserver", { context in
            try await interpreter.call(genServer, call, [
                .tuple([.atom(registry), .atom(peer)]), .tuple([.atom(lookup), .string("nosuchbucket")]),
            ], context)
        }),
        ("rpc", { context in
            try await interpreter.call(rpc, call, [.atom(peer), .atom(kernel), .atom(nodeFunction), .emptyList], context)
        }),
        ("task", { context in
            let started = try await interpreter.call(taskSupervisor, async, [
                .tuple([.atom(KVApplication.routerTasks), .atom(peer)]), .atom(kernel), .atom(nodeFunction), .emptyList,
            ], context)
            return try await interpreter.call(task, awaitFunction, [started], context)
        }),
    ]
    let chosen = environment["KINDS"].map { Set($0.split(separator: ",").map(String.init)) }
    for (kind, call) in kinds where chosen?.contains(kind) ?? true {
        for callers in [1, 8] {
            let (perSecond, meanMicroseconds) = try await measure(call, callers: callers, interpreter)
            print("\(kind)_\(callers)_per_s \(Int(perSecond))")
            print("\(kind)_\(callers)_mean_us \((meanMicroseconds * 10).rounded() / 10)")
        }
    }
}

/// Every caller warms up, waits for the others, then makes its calls; the clock runs from the
/// common start to the last caller's end.
func measure(_ call: @escaping Call, callers: Int, _ interpreter: Interpreter) async throws -> (Double, Double) {
    let node = interpreter.node
    let results = AsyncStream<Result<UInt64, any Error>>.makeStream()
    let warm = AsyncStream<Void>.makeStream()
    let go = node.makeReference()
    var pids: [Pid] = []
    for _ in 0..<callers {
        pids.append(node.spawn { process in
            let context = CallContext(process: process, interpreter: interpreter)
            var warmedUp = false
            do {
                for _ in 0..<warmUp { _ = try await call(context) }
                warmedUp = true
                warm.continuation.yield()
                _ = try await process.receive { $0 == .reference(go) ? true : nil }
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<calls { _ = try await call(context) }
                results.continuation.yield(.success(DispatchTime.now().uptimeNanoseconds - start))
            } catch {
                // Counted as warm, so that the start is not waited for in vain.
                if !warmedUp { warm.continuation.yield() }
                results.continuation.yield(.failure(error))
            }
        }.pid)
    }
    var ready = 0
    for await _ in warm.stream {
        ready += 1
        if ready == callers { break }
    }
    let start = DispatchTime.now().uptimeNanoseconds
    for pid in pids { node.send(.reference(go), to: pid) }
    var total: UInt64 = 0
    var finished = 0
    for await result in results.stream {
        total += try result.get()
        finished += 1
        if finished == callers { break }
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (Double(callers * calls) / elapsed, Double(total) / Double(callers * calls) / 1000)
}
