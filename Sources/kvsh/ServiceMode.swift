import Dispatch
import Foundation
import KV
import KVServer
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text server's side of kvsh: `--port`/`PORT`, and `--no-shell`, where the node runs as a
/// service (as `mix run --no-halt` in the guide) until SIGTERM or SIGINT.
enum ServiceMode {
    /// The port from `--port`, else from `PORT`; nil when neither is given.
    /// - Throws: a failure naming the bad value.
    static func port(option: Int?) throws(NodeStartup.Failure) -> Int? {
        if let option { return option }
        guard let text = ProcessInfo.processInfo.environment["PORT"] else { return nil }
        guard let port = Int(text), (0...65535).contains(port) else {
            throw NodeStartup.Failure(description: "kvsh: PORT must be a TCP port number, not \(text)")
        }
        return port
    }

    /// Debug logging (a line per accepted and closed connection, on stderr) is on with `KVSH_LOG=debug`.
    static var debugLog: (@Sendable (String) -> Void)? {
        guard ProcessInfo.processInfo.environment["KVSH_LOG"]?.lowercased() == "debug" else { return nil }
        return { line in logLine(line) }
    }

    static func logLine(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Serves the store of `application` on `port`.
    static func startServer(_ application: KVApplication, port: Int) async throws(NodeStartup.Failure) -> KVServer {
        var configuration = KVServerConfiguration()
        configuration.debugLog = debugLog
        do {
            return try await KVServer.start(serving: application, port: port, configuration: configuration)
        } catch {
            throw NodeStartup.Failure(description: "kvsh: \(error)")
        }
    }

    /// Returns at the first SIGTERM or SIGINT (which no longer end the process by themselves).
    static func waitForTermination() async {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let queue = DispatchQueue(label: "kvsh.signals")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            let sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
            for source in sources {
                source.setEventHandler {
                    guard once.take() else { return }
                    sources.forEach { $0.cancel() }
                    continuation.resume()
                }
                source.resume()
            }
        }
    }
}

/// True for the first caller only: the continuation is resumed once, whichever signal comes first.
private final class OnceFlag: Sendable {
    private let taken = Mutex(false)

    func take() -> Bool {
        taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}
