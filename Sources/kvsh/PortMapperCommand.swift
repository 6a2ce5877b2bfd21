import ArgumentParser
import EPMD
import Foundation
import NIOPosix

/// `kvsh epmd`: an EPMD-compatible port mapper, which kvsh starts detached (as erl starts
/// `epmd -daemon`) when no port mapper answers.
struct PortMapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epmd",
        abstract: "Run an Erlang port mapper (EPMD) until killed.")

    @Option(help: "The port to listen on (default: ERL_EPMD_PORT, else 4369).")
    var port: Int?

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        let port = port ?? PortMapper.defaultPort(environment: ProcessInfo.processInfo.environment)
        _ = try await PortMapperDaemon.start(port: port, group: MultiThreadedEventLoopGroup.singleton)
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
