import ArgumentParser
import Foundation

/// Load for the guide's KVServer text protocol, with every answer checked: the repo's own
/// measuring tool for `make bench`, measuring what load.py measures (an op is one command; in
/// pipeline mode the latency of an op runs from its batch's write to its reply), so that its
/// figures and the issue's reference figures mean the same thing.
@main
struct LoadGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "LoadGen",
        abstract: "Loads a KVServer (CREATE/PUT/GET/DELETE over TCP) and checks every answer.",
        discussion: """
            Each connection works on keys of its own in the shared buckets and keeps a model of \
            what it wrote, so every answer is checked byte for byte. The last line gives the \
            medians over the runs: ops_per_s=... p50_us=... p99_us=... errors=... Exit status: \
            0 when every answer was right, 1 otherwise, 2 when the servers could not be set up.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case rr, pipeline
    }

    @Option(help: "The server's host.")
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port, or a comma list: connections go round-robin over them.", valueName: "port[,port...]"))
    var port = "4040"

    @Option(name: [.short, .long], help: "Concurrent connections.")
    var connections = 4

    @Option(help: "rr: one command in flight per connection; pipeline: --depth commands per write, then their answers.")
    var mode = Mode.rr

    @Option(help: "Commands per write in pipeline mode.")
    var depth = 16

    @Option(help: ArgumentHelp("Timed seconds per run.", valueName: "seconds"))
    var duration = 5.0

    @Option(help: "Reported runs; the last line gives their medians.")
    var runs = 1

    @Option(help: "Untimed (but checked) full runs before the reported ones.")
    var discard = 1

    @Option(help: "Untimed (but checked) ops per connection at the start of every run.")
    var warmup = 200

    @Option(help: "Comma list of bucket names; the first byte picks the node (a..m / n..z in the guide's table).")
    var buckets = "apple,nuts"

    @Option(help: "Keys per connection and bucket.")
    var keys = 100

    @Option(help: ArgumentHelp("Weights of create, put, get, delete, missing (GET in a bucket nobody created), unknown (a bad command).", valueName: "op=weight,..."))
    var mix = Mix.standard

    @Option(help: "Seed of the commands drawn.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Seconds to wait for the servers to answer at the start.", valueName: "seconds"))
    var wait = 30.0

    @Option(help: ArgumentHelp("Seconds a connection may wait for a reply before the run counts it failed.", valueName: "seconds"))
    var timeout = 30.0

    @Option(help: ArgumentHelp("Comma list of server pids whose CPU time per op to report.", valueName: "pid,..."))
    var serverPids = ""

    @Option(help: "Free text echoed in the last line.")
    var label = ""

    func validate() throws {
        _ = try endpoints()
        _ = try parsedMix()
        _ = try bucketNames()
        _ = try pids()
        for (name, value) in [("connections", connections), ("depth", depth), ("runs", runs), ("keys", keys)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1 (got \(value))")
        }
        if discard < 0 || warmup < 0 { throw ValidationError("--discard and --warmup cannot be negative") }
        for (name, value) in [("duration", duration), ("wait", wait), ("timeout", timeout)] where !(value > 0 && value < 1e6) {
            throw ValidationError("--\(name) must be a number of seconds above 0 (got \(value))")
        }
    }

    func run() throws {
        let endpoints = try endpoints()
        let settings = RunSettings(
            endpoints: endpoints, connections: connections, depth: mode == .rr ? 1 : depth, duration: duration,
            warmup: warmup, timeout: timeout, mix: try parsedMix(), buckets: try bucketNames(), keys: keys,
            seed: seed, serverPids: try pids())
        let kept: [Int32]
        do {
            kept = try Setup(endpoints: endpoints, buckets: settings.buckets, wait: wait, timeout: timeout).prepare()
        } catch {
            report(error.description)
            throw ExitCode(2)
        }
        for index in 0..<discard {
            let result = attempt(LoadRun(settings: settings, number: 1000 + index))
            report("discarded_run=\(index) \(result.line)")
            guard result.wrong == 0 else {
                result.reports.forEach(report)
                report("the discarded run had \(result.wrong) wrong answers")
                throw ExitCode(1)
            }
        }
        var results: [RunResult] = []
        for index in 0..<runs {
            let result = attempt(LoadRun(settings: settings, number: index))
            result.reports.forEach(report)
            say("run=\(index) \(result.line)")
            results.append(result)
        }
        say(summary(results))
        withExtendedLifetime(kept) {}
        if results.contains(where: { $0.wrong > 0 }) { throw ExitCode(1) }
    }

    private func attempt(_ run: LoadRun) -> RunResult {
        do {
            return try run.perform()
        } catch {
            return RunResult(failedWith: error, connections: connections)
        }
    }

    /// load.py's last line: medians, the total of wrong answers, the settings.
    private func summary(_ results: [RunResult]) -> String {
        let rates = results.map(\.opsPerSecond)
        var fields = [
            "ops_per_s=\(whole(median(rates)))", "p50_us=\(whole(median(results.map(\.p50))))",
            "p99_us=\(whole(median(results.map(\.p99))))", "errors=\(results.map(\.wrong).reduce(0, +))",
            "runs=\(runs)", "ops_per_s_min=\(whole(rates.min() ?? 0))", "ops_per_s_max=\(whole(rates.max() ?? 0))",
            "conns=\(connections)", "mode=\(mode.rawValue)",
        ]
        if mode == .pipeline { fields.append("depth=\(depth)") }
        fields += ["duration=\(duration)", "port=\(port)", "buckets=\(buckets)"]
        let perOp = results.filter { $0.ops > 0 }
        if !perOp.isEmpty {
            fields.append("client_cpu_us_per_op=\(String(format: "%.2f", median(perOp.map { $0.clientCPU * 1e6 / Double($0.ops) })))")
            let server = perOp.compactMap { result in result.serverCPU.map { $0 * 1e6 / Double(result.ops) } }
            if server.count == perOp.count { fields.append("server_cpu_us_per_op=\(String(format: "%.1f", median(server)))") }
        }
        if !label.isEmpty { fields.append("label=\(label)") }
        return fields.joined(separator: " ")
    }

    // MARK: - Options

    private func endpoints() throws -> [Endpoint] {
        let ports = port.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !ports.isEmpty else { throw ValidationError("--port needs at least one port") }
        return try ports.map {
            guard let number = Int($0), (1...65535).contains(number) else {
                throw ValidationError("--port: \"\($0)\" is not a port number")
            }
            return Endpoint(host: host, port: number)
        }
    }

    private func parsedMix() throws -> Mix {
        do { return try Mix(parsing: mix) } catch { throw ValidationError(error.description) }
    }

    /// Bucket names go into command lines as they are: no spaces, no line ends, not empty.
    private func bucketNames() throws -> [String] {
        let names = buckets.split(separator: ",").map(String.init)
        guard !names.isEmpty else { throw ValidationError("--buckets needs at least one name") }
        for name in names where name.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw ValidationError("--buckets: \"\(name)\" has a space or a control character")
        }
        return names
    }

    private func pids() throws -> [Int32] {
        try serverPids.split(separator: ",").map {
            guard let pid = Int32($0), pid > 0 else { throw ValidationError("--server-pids: \"\($0)\" is not a pid") }
            return pid
        }
    }

    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
