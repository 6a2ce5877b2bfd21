import ETF
import NodeRuntime

extension Registry {
    /// `KV.Registry.create/2`: asks the registry's process for the bucket named `name`, started if
    /// missing, and waits for its pid. Creation goes through the process so that two concurrent
    /// creates of one name give one bucket.
    /// - Parameter caller: the process that waits (its mailbox receives the reply).
    /// - Throws: `RegistryError.callFailed` when the registry is gone or does not answer in time.
    public func create(_ name: [UInt8], by caller: Process, timeout: Process.Timeout = .milliseconds(5000)) async throws -> Pid {
        let request = Term.tuple([.atom(.create), .binary(name)])
        let reply: Term
        do {
            reply = try await GenServer.call(.pid(pid), request, timeout: timeout, from: caller)
        } catch let error as GenServer.CallError {
            throw RegistryError.callFailed(request: request, reason: error.reason)
        }
        guard case .pid(let bucket) = reply else { throw RegistryError.unexpectedReply(request: request, reply: reply) }
        return bucket
    }
}
