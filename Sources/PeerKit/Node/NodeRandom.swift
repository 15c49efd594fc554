/// The node's source of randomness: the system's, or a seeded one for reproducible tests.
struct NodeRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64?
    private var system = SystemRandomNumberGenerator()

    /// The system generator.
    init() { state = nil }

    /// SplitMix64 from a seed: the same seed gives the same ids and choices.
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        guard var value = state else { return system.next() }
        value &+= 0x9E37_79B9_7F4A_7C15
        state = value
        var mixed = value
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
