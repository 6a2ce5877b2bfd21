/// A small, fast generator with a seed, so that a connection's commands are the same from one
/// run of the tool to the next (the system generator cannot be seeded).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// Seeds from several numbers (the `--seed`, the run, the connection) mixed together.
    init(mixing parts: UInt64...) {
        var generator = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        for part in parts { generator.state ^= part; _ = generator.next() }
        self = generator
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
