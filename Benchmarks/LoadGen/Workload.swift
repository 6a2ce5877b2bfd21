/// What one connection asks: commands drawn from the mix over the shared buckets, on keys only
/// this connection uses (`<tag>c<connection>k<n>`, the tag new for every run), so that it can
/// keep an exact model of its values and know every right answer in advance, however many other
/// connections write to the same buckets.
struct Workload {
    private var generator: SplitMix64
    private let mix: Mix
    private let buckets: [[UInt8]]
    /// Per shared bucket, one nobody creates whose name starts with the same byte (so it routes
    /// to the same node): `<bucket>-nx<tag>`.
    private let missingBuckets: [[UInt8]]
    private let keys: [[UInt8]]
    /// The value of each (bucket, key), `-1` for none, at `bucket * keys.count + key`.
    private var model: [Int32]

    init(connection: Int, tag: String, seed: UInt64, run: Int, mix: Mix, buckets: [String], keyCount: Int) {
        generator = SplitMix64(mixing: seed, UInt64(run), UInt64(connection))
        self.mix = mix
        self.buckets = buckets.map { Array($0.utf8) }
        missingBuckets = buckets.map { Array("\($0)-nx\(tag)".utf8) }
        keys = (0..<keyCount).map { Array("\(tag)c\(connection)k\($0)".utf8) }
        model = Array(repeating: -1, count: buckets.count * keyCount)
    }

    /// Draws `count` more commands into `batch`, updating the model as the server will.
    mutating func fill(_ batch: inout Batch, count: Int) {
        batch.removeAll()
        for _ in 0..<count {
            let operation = mix.pick(using: &generator)
            let bucket = Int.random(in: 0..<buckets.count, using: &generator)
            let key = Int.random(in: 0..<keys.count, using: &generator)
            let slot = bucket * keys.count + key
            switch operation {
            case .create:
                batch.append(isGet: false) {
                    $0.append("CREATE "); $0.append(contentsOf: buckets[bucket]); $0.append("\r\n")
                } expect: { $0.append("OK\r\n") }
            case .put:
                let value = Int32.random(in: 0..<1_000_000, using: &generator)
                model[slot] = value
                batch.append(isGet: false) {
                    $0.append("PUT "); $0.append(contentsOf: buckets[bucket]); $0.append(" ")
                    $0.append(contentsOf: keys[key]); $0.append(" "); $0.appendDecimal(Int(value)); $0.append("\r\n")
                } expect: { $0.append("OK\r\n") }
            case .get:
                let value = model[slot]
                batch.append(isGet: true) {
                    $0.append("GET "); $0.append(contentsOf: buckets[bucket]); $0.append(" ")
                    $0.append(contentsOf: keys[key]); $0.append("\r\n")
                } expect: {
                    if value >= 0 { $0.appendDecimal(Int(value)) }
                    $0.append("\r\nOK\r\n")
                }
            case .delete:
                model[slot] = -1
                batch.append(isGet: false) {
                    $0.append("DELETE "); $0.append(contentsOf: buckets[bucket]); $0.append(" ")
                    $0.append(contentsOf: keys[key]); $0.append("\r\n")
                } expect: { $0.append("OK\r\n") }
            case .missing:
                batch.append(isGet: true) {
                    $0.append("GET "); $0.append(contentsOf: missingBuckets[bucket]); $0.append(" ")
                    $0.append(contentsOf: keys[key]); $0.append("\r\n")
                } expect: { $0.append("NOT FOUND\r\n") }
            case .unknown:
                batch.append(isGet: false) {
                    $0.append("FETCH "); $0.append(contentsOf: buckets[bucket]); $0.append(" ")
                    $0.append(contentsOf: keys[key]); $0.append("\r\n")
                } expect: { $0.append("UNKNOWN COMMAND\r\n") }
            }
        }
    }
}
