import Distribution
import EPMD
import ETF
import Glibc
import NodeRuntime

/// Measures distribution between two nodes through the runtime's own API (no interpreted code),
/// the same work as `Benchmarks/reference/dist_bench.erl` does between two BEAM nodes:
/// - `serve NAME`: starts node NAME with two registered processes, `echo` (answers `{:ping, from}`
///   with `:pong`) and `counter` (counts messages; answers `{:sync, from}` with `{:done, count}`),
///   prints `ready`, and runs until killed.
/// - `client NAME PEER`: starts node NAME, connects to PEER and prints
///   - `pingpong_median_us`, `pingpong_p99_us`: one round trip, `{:ping, self()}` sent to
///     `{:echo, PEER}` until `:pong` is back, over ROUND_TRIPS (20,000) round trips;
///   - `pingpong_rtps`: those round trips per second;
///   - `oneway_mps`: MESSAGES (500,000) `{:msg, i}` sent to `{:counter, PEER}`, then a `:sync`
///     answered once all arrived: messages per second, from the first send to the answer.
///   Both figures come after a warm-up (WARMUP round trips, ten times as many messages).
/// SCHEDULERS sets the scheduler threads (default: one per core, as `erl +S`); BUSY_WAIT_US how
/// long the network thread polls before it sleeps (default: `DistributionSettings`'s).
/// A name without `@` gets this machine's short host name. Both sides need the same cookie
/// (COOKIE, default `distbench`) and a port mapper on ERL_EPMD_PORT (default 4369); this program
/// never starts one.

let cookie = environment("COOKIE") ?? "distbench"
let portMapperPort = PortMapper.defaultPort(environment: ["ERL_EPMD_PORT": environment("ERL_EPMD_PORT") ?? ""])
let roundTrips = max(1, environment("ROUND_TRIPS").flatMap { Int($0) } ?? 20_000)
let messages = max(1, environment("MESSAGES").flatMap { Int($0) } ?? 500_000)
let warmUp = max(1, environment("WARMUP").flatMap { Int($0) } ?? 2_000)

let echoName = Atom("echo")
let counterName = Atom("counter")
let ping = Atom("ping")
let pong = Atom("pong")
let msg = Atom("msg")
let sync = Atom("sync")
let done = Atom("done")

let arguments = Array(CommandLine.arguments.dropFirst())
switch (arguments.first, arguments.count) {
case ("serve", 2):
    let distributed = await startNode(arguments[1])
    serve(on: distributed.node)
    writeLine("ready")
    while true { try await Task.sleep(for: .seconds(3600)) }
case ("client", 3):
    let distributed = await startNode(arguments[1])
    await client(on: distributed.node, peer: Atom(fullName(arguments[2])))
    exit(0)
default:
    writeLine("usage: DistBench serve NAME | DistBench client NAME PEER", to: 2)
    exit(2)
}

// MARK: - Server

/// Starts `echo` and `counter` and registers them.
func serve(on node: LocalNode) {
    let echo = node.spawn { process in
        while let message = try await process.receive() {
            guard case .tuple(let parts) = message, parts.count == 2, case .pid(let from) = parts[1] else { continue }
            process.node.send(.atom(pong), to: from)
        }
    }.pid
    let counter = node.spawn { process in
        var count = 0
        while let message = try await process.receive() {
            // Atoms compared as atoms: `Term ==` of two different atoms orders their texts, which
            // takes the atom table's lock, and would measure that instead of distribution.
            if case .tuple(let parts) = message, parts.count == 2, case .atom(sync) = parts[0], case .pid(let from) = parts[1] {
                process.node.send(.tuple([.atom(done), .int(count)]), to: from)
                count = 0
            } else {
                count += 1
            }
        }
    }.pid
    do {
        try node.register(echoName, echo)
        try node.register(counterName, counter)
    } catch {
        fail("cannot register the benchmark processes: \(error)")
    }
}

// MARK: - Client

func client(on node: LocalNode, peer: Atom) async {
    guard let router = node.remoteRouter else { fail("the node is not distributed") }
    guard await router.connect(to: peer) else { fail("cannot connect to \(peer.text)") }
    let lines = await withCheckedContinuation { (finished: CheckedContinuation<[String], Never>) in
        node.spawn { process in
            func sendToPeer(_ name: Atom, _ message: Term) {
                router.send(message, toName: name, on: peer, from: process.pid)
            }
            // Ping-pong: each round trip timed on its own.
            let request = Term.tuple([.atom(ping), .pid(process.pid)])
            func roundTrip() async throws -> UInt64 {
                let start = monotonicNanoseconds()
                sendToPeer(echoName, request)
                _ = try await process.receive()
                return monotonicNanoseconds() - start
            }
            for _ in 0..<warmUp { _ = try await roundTrip() }
            var samples: [UInt64] = []
            samples.reserveCapacity(roundTrips)
            let pingPongStart = monotonicNanoseconds()
            for _ in 0..<roundTrips { samples.append(try await roundTrip()) }
            let pingPongSeconds = Double(monotonicNanoseconds() - pingPongStart) / 1e9
            samples.sort()

            // One-way: a stream of small messages, then a sync that is answered when all arrived.
            func stream(_ count: Int) async throws {
                for i in 0..<count { sendToPeer(counterName, .tuple([.atom(msg), .int(i)])) }
                sendToPeer(counterName, .tuple([.atom(sync), .pid(process.pid)]))
                let answer = try await process.receive()
                if answer != .tuple([.atom(done), .int(count)]) {
                    writeLine("warning: the counter answered \(answer?.inspect() ?? "nothing") after \(count) messages", to: 2)
                }
            }
            try await stream(warmUp * 10)
            let streamStart = monotonicNanoseconds()
            try await stream(messages)
            let streamSeconds = Double(monotonicNanoseconds() - streamStart) / 1e9

            finished.resume(returning: [
                "pingpong_median_us \(microseconds(samples[samples.count / 2]))",
                "pingpong_p99_us \(microseconds(samples[min(samples.count - 1, samples.count * 99 / 100)]))",
                "pingpong_rtps \(Int(Double(roundTrips) / pingPongSeconds))",
                "oneway_mps \(Int(Double(messages) / streamSeconds))",
            ])
        }
    }
    for line in lines { writeLine(line) }
}

// MARK: - Helpers

func startNode(_ name: String) async -> DistributedNode {
    do {
        return try await DistributedNode.start(
            name: Atom(fullName(name)), cookie: cookie,
            settings: settings(),
            scheduler: environment("SCHEDULERS").flatMap { Int($0) }.map { Scheduler(threads: $0) }
        ) { port in
            throw BenchError.noPortMapper(port)
        }
    } catch {
        fail("cannot start node \(name): \(error)")
    }
}

func settings() -> DistributionSettings {
    var settings = DistributionSettings(portMapperPort: portMapperPort)
    if let microseconds = environment("BUSY_WAIT_US").flatMap({ Int($0) }) { settings.busyWaitMicroseconds = microseconds }
    return settings
}

enum BenchError: Error, CustomStringConvertible {
    case noPortMapper(Int)

    var description: String { "no port mapper answers on port \(self.port); start one (kvsh epmd --port \(self.port))" }

    private var port: Int {
        switch self {
        case .noPortMapper(let port): port
        }
    }
}

/// `name@<short host name>` unless `name` has a host already.
func fullName(_ name: String) -> String {
    if name.contains("@") { return name }
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count - 1)
    let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return "\(name)@\(host.prefix { $0 != "." })"
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Nanoseconds as microseconds with one decimal.
func microseconds(_ nanoseconds: UInt64) -> String {
    let tenths = (nanoseconds + 50) / 100
    return "\(tenths / 10).\(tenths % 10)"
}

func fail(_ text: String) -> Never {
    writeLine("DistBench: \(text)", to: 2)
    exit(1)
}

/// Writes at once, unbuffered: the bench script waits for `ready` in a file.
func writeLine(_ text: String, to fileDescriptor: Int32 = 1) {
    var line = text + "\n"
    line.withUTF8 { bytes in _ = write(fileDescriptor, bytes.baseAddress, bytes.count) }
}
