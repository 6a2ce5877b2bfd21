import Foundation
import Glibc

/// CPU time (user + system) of processes, to tell what one op costs the server and the tool.
enum CPUTime {
    /// The summed CPU seconds of `pids` from /proc, nil when there are none or one has gone.
    static func seconds(_ pids: [Int32]) -> Double? {
        guard !pids.isEmpty else { return nil }
        var ticks = 0
        for pid in pids {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let afterName = stat.range(of: ")", options: .backwards)?.upperBound
            else { return nil }
            let fields = stat[afterName...].split(separator: " ")
            // After the command name: state is field 0, utime 11 and stime 12 (proc(5)).
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
            ticks += user + system
        }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// This process's CPU seconds so far.
    static func ownSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }
}
