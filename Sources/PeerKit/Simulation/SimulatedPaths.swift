import Foundation

/// The paths between simulated nodes: a round trip per pair, drawn once from a log-normal
/// distribution (the shape of measured Internet round trips: a median and a long tail), with a
/// little jitter per datagram, and independent loss.
struct SimulatedPaths {
    let median: Duration
    let spread: Double
    let loss: Double
    let seed: UInt64

    /// Whether a datagram is lost, and if not, how long it travels from node `a` to node `b`.
    func transit(from a: Int, to b: Int, using random: inout NodeRandom) -> Duration? {
        if Double.random(in: 0..<1, using: &random) < loss { return nil }
        let jitter = Double.random(in: 0.95...1.05, using: &random)
        return roundTrip(a, b) / 2 * jitter
    }

    /// The pair's round trip: the same both ways and every time.
    func roundTrip(_ a: Int, _ b: Int) -> Duration {
        var pair = NodeRandom(seed: seed ^ UInt64(min(a, b)) << 32 ^ UInt64(max(a, b)))
        // Box–Muller: a standard normal from two uniforms.
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &pair), u2 = Double.random(in: 0..<1, using: &pair)
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return median * exp(spread * normal)
    }
}
