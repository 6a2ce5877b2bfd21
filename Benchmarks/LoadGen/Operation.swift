/// One kind of command in the mix, with the names `--mix` uses (the same as load.py's, so a mix
/// means the same load to both tools).
enum Operation: String, CaseIterable, Sendable {
    /// `CREATE bucket` of one of the shared buckets (it already exists: `OK`).
    case create
    /// `PUT bucket key value` on one of the connection's own keys.
    case put
    /// `GET bucket key`: the value the model holds (empty when none), then `OK`.
    case get
    /// `DELETE bucket key`.
    case delete
    /// `GET` in a bucket nobody creates (`NOT FOUND`), named after a shared bucket so that it
    /// routes to the same node.
    case missing
    /// A command the protocol does not have (`UNKNOWN COMMAND`).
    case unknown

    /// Whether a right answer may take two lines (a value, then `OK`).
    var isGet: Bool { self == .get || self == .missing }
}
