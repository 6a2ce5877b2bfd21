import ETF

/// A routing table that cannot be used, or a bucket it cannot route. Entries are numbered from 0,
/// as `Enum.at/2` counts them.
public enum RoutingTableError: Error, Equatable, CustomStringConvertible {
    /// The table is not a proper list.
    case notAList(Term)
    /// An element is not a `{enumerable, node}` tuple.
    case notAnEntry(index: Int, entry: Term)
    case nodeNotAnAtom(index: Int, node: Term)
    /// Neither a range nor a list.
    case notEnumerable(index: Int, value: Term)
    case listMemberNotAnInteger(index: Int, member: Term)
    /// A `Range` struct with bounds or a step that are not integers, or a step of zero.
    case badRange(index: Int, range: Term, problem: String)
    /// An empty bucket name has no first byte to route on (`:binary.first("")`).
    case emptyBucketName
    /// No entry holds the bucket name's first byte.
    case noEntry(bucket: [UInt8], table: Term)

    /// The message, as Elixir prints it for the routing errors the guide raises.
    public var description: String {
        switch self {
        case .notAList(let term):
            "invalid routing table: expected a list of {enumerable, node} tuples, got: \(term.inspect())"
        case let .notAnEntry(index, entry):
            "invalid routing table: entry \(index) must be a {enumerable, node} tuple, got: \(entry.inspect())"
        case let .nodeNotAnAtom(index, node):
            "invalid routing table: the node of entry \(index) must be an atom, got: \(node.inspect())"
        case let .notEnumerable(index, value):
            "invalid routing table: the enumerable of entry \(index) must be a range or a list of integers, got: \(value.inspect())"
        case let .listMemberNotAnInteger(index, member):
            "invalid routing table: the list of entry \(index) must hold integers (bytes), got: \(member.inspect())"
        case let .badRange(index, range, problem):
            "invalid routing table: the range of entry \(index) is invalid (\(problem)), got: \(range.inspect())"
        case .emptyBucketName:
            "errors were found at the given arguments:\n\n  * 1st argument: a zero-sized binary is not allowed\n"
        case let .noEntry(bucket, table):
            "could not find entry for \(Term.binary(bucket).inspect()) in table \(table.inspect())"
        }
    }

    /// The Elixir exception that carries the message: `:binary.first("")` raises ArgumentError,
    /// the guide's `no_entry_error/1` a RuntimeError, and a malformed table is a bad argument.
    public var exceptionModule: Atom {
        switch self {
        case .noEntry: Atom("Elixir.RuntimeError")
        default: Atom("Elixir.ArgumentError")
        }
    }
}
