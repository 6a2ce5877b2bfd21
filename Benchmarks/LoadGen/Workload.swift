/// What one connection asks: commands drawn from the mix over the shared buckets, on keys only
/// this connection uses (`<tag>c<connection>k<n>`, the tag new for every run), so that it can
/// keep an exact model of its values and know every right answer in advance, however many other
/// connections write to the same buckets.
struct Workload {
    private var generator: SplitMix64
    private let mix: Mix
    private let bucketCount: Int
    private let keyCount: Int
    /// Every line the connection can write, built once.
    private let lines: LineTable
    /// The value of each (bucket, key), `-1` for none, at `bucket * keyCount + key`.
    private var model: [Int32]

    private static let linesPerSlot = Line.allCases.count

    /// The lines of each (bucket, key) slot, in this order; then one `CREATE` per bucket.
    private enum Line: Int, CaseIterable {
        /// `PUT bucket key ` (the value and line end come per command).
        case put
        case get
        case delete
        /// `GET` in `<bucket>-nx<tag>`: a bucket nobody creates whose name starts with the same
        /// byte as the shared one, so that it routes to the same node.
        case missing
        /// `FETCH bucket key`: no such command.
        case unknown
    }

    init(connection: Int, tag: String, seed: UInt64, run: Int, mix: Mix, buckets: [String], keyCount: Int) {
        generator = SplitMix64(mixing: seed, UInt64(run), UInt64(connection))
        self.mix = mix
        bucketCount = buckets.count
        self.keyCount = keyCount
        model = Array(repeating: -1, count: buckets.count * keyCount)
        var texts: [String] = []
        for bucket in buckets {
            for key in (0..<keyCount).map({ "\(tag)c\(connection)k\($0)" }) {
                texts += Line.allCases.map { line in
                    switch line {
                    case .put: "PUT \(bucket) \(key) "
                    case .get: "GET \(bucket) \(key)\r\n"
                    case .delete: "DELETE \(bucket) \(key)\r\n"
                    case .missing: "GET \(bucket)-nx\(tag) \(key)\r\n"
                    case .unknown: "FETCH \(bucket) \(key)\r\n"
                    }
                }
            }
        }
        texts += buckets.map { "CREATE \($0)\r\n" }
        lines = LineTable(texts)
    }

    /// Draws `count` more commands into `batch`, updating the model as the server will.
    mutating func fill(_ batch: inout Batch, count: Int) {
        batch.removeAll()
        for _ in 0..<count {
            let operation = mix.pick(using: &generator)
            let bucket = Int.random(in: 0..<bucketCount, using: &generator)
            let slot = bucket * keyCount + Int.random(in: 0..<keyCount, using: &generator)
            let first = slot * Self.linesPerSlot
            switch operation {
            case .create:
                batch.append(operation, lines[model.count * Self.linesPerSlot + bucket], reply: .ok)
            case .put:
                let value = Int32.random(in: 0..<1_000_000, using: &generator)
                model[slot] = value
                batch.append(operation, lines[first + Line.put.rawValue], value: value, reply: .ok)
            case .get:
                batch.append(operation, lines[first + Line.get.rawValue], reply: .value(model[slot] >= 0 ? model[slot] : nil))
            case .delete:
                model[slot] = -1
                batch.append(operation, lines[first + Line.delete.rawValue], reply: .ok)
            case .missing:
                batch.append(operation, lines[first + Line.missing.rawValue], reply: .notFound)
            case .unknown:
                batch.append(operation, lines[first + Line.unknown.rawValue], reply: .unknownCommand)
            }
        }
    }
}

/// Lines in one block of memory that lives as long as the workload, handed out as buffer
/// pointers: drawing a command then copies bytes and nothing else (no reference counting, no
/// copy of the model that a closure over the workload's storage would cost).
private final class LineTable {
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let ends: [Int]

    init(_ lines: [String]) {
        var flat: [UInt8] = []
        var ends: [Int] = []
        for line in lines {
            flat.append(contentsOf: line.utf8)
            ends.append(flat.count)
        }
        bytes = .allocate(capacity: flat.count)
        _ = bytes.initialize(from: flat)
        self.ends = ends
    }

    deinit { bytes.deallocate() }

    subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]])
    }
}
