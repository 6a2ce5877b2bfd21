import Distribution
import EPMD
import ETF
import Foundation
import NodeRuntime
import Synchronization

/// Brings up this node: a plain `:nonode@nohost` one, or a distributed one registered with the
/// port mapper (started first, detached, when none answers, as erl starts `epmd -daemon`).
enum NodeStartup {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func start(nodeName: String?, cookie: String?, tickTime: Int) async throws(Failure) -> LocalNode {
        guard let nodeName else { return LocalNode() }
        let environment = ProcessInfo.processInfo.environment
        let cookieValue: String
        do {
            cookieValue = try Cookie.load(explicit: cookie, home: environment["HOME"] ?? NSHomeDirectory())
        } catch {
            throw Failure(description: "\(error)")
        }
        let settings = DistributionSettings(
            portMapperPort: PortMapper.defaultPort(environment: environment), tickTimeSeconds: tickTime)
        let executable = executablePath()
        do {
            let distributed = try await DistributedNode.start(
                name: Atom(nodeName), cookie: cookieValue, settings: settings
            ) { port in
                try await PortMapperDaemon.startDetached(
                    executable: executable, arguments: [executable, "epmd", "--port", String(port)], port: port)
            }
            running.withLock { $0 = distributed }
            return distributed.node
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    /// Keeps the distributed node (its registration and listener) for the life of the process.
    private static let running = Mutex<DistributedNode?>(nil)

    /// This program's own path, to start `kvsh epmd` from it.
    private static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
