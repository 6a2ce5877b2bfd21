import ETF
import NodeRuntime

/// The registry's process: the only writer of its `BucketTable`, so two concurrent creates of one
/// name give one bucket. Messages as the guide's `KV.Registry` GenServer takes them:
/// calls `{:create, name}` (replies the bucket's pid) and `{:lookup, name}` (`{:ok, pid}` or
/// `:error`), the cast `{:create, name}`, and the `:DOWN` of a bucket, which forgets it.
struct RegistryServer {
    let table: BucketTable
    /// The bucket each monitor watches, to find its name when its `:DOWN` arrives.
    private var names: [Reference: [UInt8]] = [:]

    init(table: BucketTable) {
        self.table = table
    }

    mutating func serve(in process: Process) async throws {
        // The table belongs to the process, as an ETS table to its owner: it goes when the registry does.
        defer { table.removeAll() }
        while true {
            guard let message = try await process.receive() else { continue }
            if let call = GenServer.call(in: message) {
                GenServer.reply(to: call.from, handleCall(call.request, in: process), by: process)
            } else if let request = GenServer.cast(in: message) {
                handleCast(request, in: process)
            } else if case .tuple(let parts) = message, parts.count == 5, parts[0] == .atom(.down),
                      case .reference(let monitor) = parts[1], let name = names.removeValue(forKey: monitor) {
                table.remove(name, monitor: monitor)
            }
            // Anything else is dropped, as the guide's `handle_info(_msg, state)` does.
        }
    }

    private mutating func handleCall(_ request: Term, in process: Process) -> Term {
        switch Self.request(request) {
        case (.create, .binary(let name))?:
            return .pid(create(name, in: process))
        case (.lookup, .binary(let name))?:
            return table.lookup(name).map { .tuple([.ok, .pid($0)]) } ?? .error
        case (.lookup, _)?:
            return .error
        case (.create, let name)?:
            return .tuple([.error, .tuple([.atom("bucket_name_not_a_binary"), name])])
        default:
            // A GenServer without a clause would crash; the registry serves the whole node, so it
            // answers the caller with what was wrong instead.
            process.node.log("[error] KV.Registry received an unknown call: \(request.inspect())")
            return .tuple([.error, .tuple([.atom("bad_call"), request])])
        }
    }

    private mutating func handleCast(_ request: Term, in process: Process) {
        guard case (.create, .binary(let name))? = Self.request(request) else {
            process.node.log("[error] KV.Registry received an unknown cast: \(request.inspect())")
            return
        }
        _ = create(name, in: process)
    }

    /// `{verb, argument}` of a request tuple.
    private static func request(_ term: Term) -> (Atom, Term)? {
        guard case .tuple(let parts) = term, parts.count == 2, case .atom(let verb) = parts[0] else { return nil }
        return (verb, parts[1])
    }

    /// The bucket named `name`, started and monitored if there is none. A bucket that died and
    /// whose `:DOWN` is still on its way is replaced at once rather than handed out dead.
    private mutating func create(_ name: [UInt8], in process: Process) -> Pid {
        if let existing = table.entry(name), process.node.process(existing.pid)?.isAlive == true {
            return existing.pid
        }
        let store = BucketStore(state: .map(TermMap()))
        let started = Bucket.start(on: process.node, store: store, parent: process, options: .monitor)
        let (pid, monitor) = (started.pid, started.monitor ?? process.node.monitor(process, started.pid))
        names[monitor] = name
        table.insert(name, BucketTable.Entry(pid: pid, monitor: monitor, store: store))
        return pid
    }
}
