import ETF

/// The guide's routing table, `[{?a..?m, :"foo@vm"}, {?n..?z, :"bar@vm"}]`: which node holds the
/// buckets whose name starts with a given byte.
///
/// Built from the evaluated Elixir term (what `Application.put_env(:kv, :routing_table, ...)` is
/// given), checked once here so that routing never meets a malformed entry; the term is kept to
/// print in errors as the guide's `inspect table()` does.
public struct RoutingTable: Sendable, Equatable {
    /// The table as given.
    public let term: Term
    private let entries: [RoutingEntry]

    /// - Parameter term: a proper list of `{enumerable, node}` tuples, the enumerable an Elixir
    ///   range (`%Range{first:, last:, step:}` of integers) or a list of integers, the node an atom.
    /// - Throws: what is wrong with the first malformed entry, and where.
    public init(_ term: Term) throws(RoutingTableError) {
        guard let list = term.properList else { throw .notAList(term) }
        var entries: [RoutingEntry] = []
        entries.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            entries.append(try RoutingEntry(element, at: index))
        }
        self.term = term
        self.entries = entries
    }

    /// The default table: every bucket on `node` (`[{0..255, node}]`), for a node on its own.
    public static func everythingTo(_ node: Atom) -> RoutingTable {
        let everyByte = Term.map([
            (.atom(.structField), .atom(.elixirRange)), (.atom(.first), .int(0)), (.atom(.last), .int(255)), (.atom(.step), .int(1)),
        ])
        return RoutingTable(term: .list([.tuple([everyByte, .atom(node)])]), entries: [RoutingEntry(members: .range(first: 0, last: 255, step: 1), node: node)])
    }

    private init(term: Term, entries: [RoutingEntry]) {
        self.term = term
        self.entries = entries
    }

    /// `Enum.find(table, fn {enum, _node} -> first in enum end)`: the node of the first entry
    /// whose enumerable holds `byte`, nil when none does.
    public func entry(forFirstByte byte: UInt8) -> Atom? {
        entries.first { $0.members.contains(Int(byte)) }?.node
    }

    /// The node for the bucket `bucket`, as the guide's `KV.Router.route/4` picks it.
    /// - Throws: `.emptyBucketName` (`:binary.first("")` raises), or `.noEntry` naming the
    ///   bucket and the table when no entry holds its first byte.
    public func node(for bucket: [UInt8]) throws(RoutingTableError) -> Atom {
        guard let first = bucket.first else { throw .emptyBucketName }
        guard let node = entry(forFirstByte: first) else { throw .noEntry(bucket: bucket, table: term) }
        return node
    }

    /// The nodes the table names, in table order, each once.
    public var nodes: [Atom] {
        var seen = Set<Atom>()
        return entries.compactMap { seen.insert($0.node).inserted ? $0.node : nil }
    }

    public static func == (a: RoutingTable, b: RoutingTable) -> Bool {
        a.term == b.term
    }
}
