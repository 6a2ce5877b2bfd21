import ETF
import NodeRuntime

/// `KVServer.Command.run/1`: a text-protocol command, routed, and its answer.
extension KVApplication {
    /// What the server answers a command with.
    public enum CommandReply: Equatable, Sendable {
        /// `OK`.
        case ok
        /// A GET's value line, then `OK`.
        case value([UInt8])
        /// No such bucket: `NOT FOUND`.
        case notFound
        /// A line that is no command: `UNKNOWN COMMAND`.
        case unknownCommand
        /// The registry gave no bucket for a CREATE.
        case failedToCreate

        /// The reply's lines as the guide's server writes them, each ending `\r\n`.
        public var bytes: [UInt8] {
            switch self {
            case .ok: Array("OK\r\n".utf8)
            case .value(let value): value + Array("\r\nOK\r\n".utf8)
            case .notFound: Array("NOT FOUND\r\n".utf8)
            case .unknownCommand: Array("UNKNOWN COMMAND\r\n".utf8)
            case .failedToCreate: Array("FAILED TO CREATE BUCKET\r\n".utf8)
            }
        }
    }

    /// Runs `command` as the guide's `KVServer.Command.run/1` after "Wiring it all up": the
    /// registry's `create`/`lookup` go through `route`, then the bucket is called where it lives.
    /// - Parameter apply: how routed calls run here (default: `applyLocally`).
    /// - Throws: what routing or the bucket call throws (a node down, a timeout).
    public func run(_ command: Command, in process: Process, apply: Apply? = nil) async throws -> CommandReply {
        let apply: Apply = apply ?? { [self] module, function, arguments in
            try await applyLocally(module, function, arguments, in: process)
        }
        let bucket = Term.binary(command.bucket)
        let registryArguments: [Term] = [.atom(Registry.name), bucket]
        if case .create = command {
            let created = try await route(bucket, Registry.name, .create, registryArguments, in: process, apply: apply)
            guard case .pid = created else { return .failedToCreate }
            return .ok
        }
        let found = try await route(bucket, Registry.name, .lookup, registryArguments, in: process, apply: apply)
        guard case .tuple(let parts) = found, parts.count == 2, parts[0] == .ok, case .pid(let pid) = parts[1] else {
            return .notFound
        }
        switch command {
        case .get(_, let key):
            let value = try await callBucket(pid, .get, .get, [.binary(key)], in: process)
            return .value(Self.text(of: value))
        case .put(_, let key, let value):
            _ = try await callBucket(pid, .update, .put, [.binary(key), .binary(value)], in: process)
            return .ok
        case .delete(_, let key):
            _ = try await callBucket(pid, .getAndUpdate, .pop, [.binary(key)], in: process)
            return .ok
        case .create:
            return .ok
        }
    }

    /// An Agent call with `{Map, function, arguments}`, which any bucket runs without code of ours.
    private func callBucket(
        _ pid: Pid, _ kind: Atom, _ function: Atom, _ arguments: [Term], in process: Process
    ) async throws -> Term {
        let request = Term.tuple([.atom(kind), .tuple([.atom(.elixirMap), .atom(function), .list(arguments)])])
        return try await GenServer.call(.pid(pid), request, from: process)
    }

    /// `"#{value}"`: a binary as its bytes, `nil` as nothing, numbers and atoms as their text.
    static func text(of value: Term) -> [UInt8] {
        switch value {
        case .binary(let bytes): bytes
        case .atom(let atom) where atom == .nil: []
        case .atom(let atom): Array(atom.text.utf8)
        default: Array(value.inspect().utf8)
        }
    }
}
