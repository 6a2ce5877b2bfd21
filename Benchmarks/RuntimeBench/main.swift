import ETF
import Glibc
import NodeRuntime

/// Measures the process runtime through its own API (no interpreted code), the same work as
/// `Benchmarks/reference/runtime_bench.ex` does on the BEAM:
/// - spawn: a parent spawns N processes in batches of 1,000, each sends `:done` back, and the parent
///   receives a batch's answers before spawning the next batch.
/// - ping-pong: two processes pass a message back and forth M round trips.
/// Usage: `RuntimeBench spawn|pingpong`; prints `spawn <per second>` or `pingpong <round trips per second>`.
/// Each figure comes from a fresh process, so one benchmark's heap does not slow the other.

let node = LocalNode(scheduler: Scheduler(threads: getenv("SCHEDULERS").flatMap { Int(String(cString: $0)) } ?? 2))
let spawnCount = getenv("SPAWNS").flatMap { Int(String(cString: $0)) } ?? 500_000
let roundTrips = getenv("ROUND_TRIPS").flatMap { Int(String(cString: $0)) } ?? 1_000_000
let done = Term.atom("done")
let ping = Term.atom("ping")
let stop = Term.atom("stop")

func measure(_ body: @escaping @Sendable (Process) async throws -> Void) async -> Double {
    await withCheckedContinuation { (finished: CheckedContinuation<Double, Never>) in
        node.spawn { process in
            let start = monotonicSeconds()
            try await body(process)
            finished.resume(returning: monotonicSeconds() - start)
        }
    }
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let which = CommandLine.arguments.dropFirst().first ?? ""
switch which {
case "spawn": await benchSpawn()
case "pingpong": await benchPingPong()
default:
    print("usage: RuntimeBench spawn|pingpong")
    exit(2)
}

func benchSpawn() async {
let spawnSeconds = await measure { parent in
    let parentPid = parent.pid
    var left = spawnCount
    while left > 0 {
        let batch = min(left, 1_000)
        for _ in 0..<batch {
            node.spawn { child in child.node.send(done, to: parentPid) }
        }
        for _ in 0..<batch { _ = try await parent.receive() }
        left -= batch
    }
}
print("spawn \(Int(Double(spawnCount) / spawnSeconds))")
}

func benchPingPong() async {

let pingPongSeconds = await measure { parent in
    let echo = node.spawn { echo in
        while let message = try await echo.receive() {
            guard case .tuple(let parts) = message, case .pid(let from) = parts[1] else { return }
            echo.node.send(ping, to: from)
        }
    }.pid
    let request = Term.tuple([ping, .pid(parent.pid)])
    for _ in 0..<roundTrips {
        node.send(request, to: echo)
        _ = try await parent.receive()
    }
    node.send(stop, to: echo)
}
print("pingpong \(Int(Double(roundTrips) / pingPongSeconds))")
}
