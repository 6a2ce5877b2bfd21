import ETF
import NodeRuntime

/// Why a bucket ended on its own account (a function's own failure is the code runner's error):
/// the exit reason its callers get, and the report the node logs, as a gen_server's crash shows.
enum BucketCrash: ExitReasonProviding {
    /// A call or cast that is not Agent's: `Agent.Server` has no clause for it.
    case noClause(callback: String, arguments: [Term], bucket: Pid)
    /// A function that is not one of the guide's `Map` calls, on a node with nothing to run it.
    case noCodeRunner(fun: Term, bucket: Pid)

    var exitReason: Term {
        switch self {
        case let .noClause(callback, arguments, _):
            let frame = Term.tuple([.atom("Elixir.Agent.Server"), .atom(callback), .list(arguments), .emptyList])
            return .tuple([.atom("function_clause"), .list([frame])])
        case let .noCodeRunner(fun, _):
            let frame = Term.tuple([.atom(.erlang), .atom(.apply), .list([fun, .emptyList]), .emptyList])
            return .tuple([.atom("undef"), .list([frame])])
        }
    }

    var crashReport: String? {
        switch self {
        case let .noClause(callback, arguments, bucket):
            "GenServer \(Term.pid(bucket).inspect()) terminating\n** (FunctionClauseError) no function clause matching in Agent.Server.\(callback)/\(arguments.count)\nLast message: \(arguments[0].inspect())"
        case let .noCodeRunner(fun, bucket):
            "GenServer \(Term.pid(bucket).inspect()) terminating\n** cannot run \(fun.inspect()): this node has no code runner (only the Map calls get, put, delete and pop run without one)"
        }
    }
}
