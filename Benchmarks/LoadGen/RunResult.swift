import Foundation

/// The figures of one run, printed as `name=value` pairs with load.py's names, so that the
/// scripts read either tool's lines the same way.
struct RunResult {
    let ops: Int
    let elapsed: Double
    /// Microseconds: the median and the 99th percentile (load.py's ranks: n/2 and n·99/100).
    let p50: Double
    let p99: Double
    let wrong: Int
    let reports: [String]
    let clientCPU: Double
    let serverCPU: Double?

    init(latencies: [UInt64], elapsed: Double, wrong: Int, reports: [String], clientCPU: Double, serverCPU: Double?) {
        let sorted = latencies.sorted()
        ops = sorted.count
        self.elapsed = elapsed
        p50 = sorted.isEmpty ? 0 : Double(sorted[sorted.count / 2]) / 1000
        p99 = sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]) / 1000
        self.wrong = wrong
        self.reports = reports
        self.clientCPU = clientCPU
        self.serverCPU = serverCPU
    }

    /// A run that could not be made (connections refused, ...): no ops, every op wrong.
    init(failedWith error: LoadGenError, connections: Int) {
        ops = 0
        elapsed = 0
        p50 = 0
        p99 = 0
        wrong = max(1, connections)
        reports = ["RUN FAILED: \(error)"]
        clientCPU = 0
        serverCPU = nil
    }

    var opsPerSecond: Double { elapsed > 0 ? Double(ops) / elapsed : 0 }

    var line: String {
        var fields = [
            "ops_per_s=\(whole(opsPerSecond))", "p50_us=\(whole(p50))", "p99_us=\(whole(p99))", "errors=\(wrong)",
            "ops=\(ops)", "elapsed_s=\(String(format: "%.3f", elapsed))", "client_cpu_s=\(String(format: "%.3f", clientCPU))",
        ]
        if ops > 0 { fields.append("client_cpu_us_per_op=\(String(format: "%.2f", clientCPU * 1e6 / Double(ops)))") }
        if let serverCPU, ops > 0 {
            fields.append("server_cpu_s=\(String(format: "%.3f", serverCPU))")
            fields.append("server_cpu_us_per_op=\(String(format: "%.1f", serverCPU * 1e6 / Double(ops)))")
        }
        return fields.joined(separator: " ")
    }
}

func whole(_ value: Double) -> String { String(format: "%.0f", value) }

/// The median as load.py takes it (`statistics.median`: the mean of the middle two of an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
