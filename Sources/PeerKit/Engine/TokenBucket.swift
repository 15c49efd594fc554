/// A token bucket: `rate` tokens a second, up to `burst` saved; a query takes one.
struct TokenBucket: Sendable {
    private var tokens: Double
    private var updatedAt: Timestamp

    /// A full bucket at `now`.
    init(burst: Double, now: Timestamp) {
        tokens = burst
        updatedAt = now
    }

    /// Takes a token if there is one at `now`.
    mutating func take(now: Timestamp, rate: Double, burst: Double) -> Bool {
        refill(now: now, rate: rate, burst: burst)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether it would be full at `now`: its source has been quiet long enough to be forgotten.
    func isFull(now: Timestamp, rate: Double, burst: Double) -> Bool {
        tokens + max(0, (now - updatedAt).inSeconds) * rate >= burst
    }

    private mutating func refill(now: Timestamp, rate: Double, burst: Double) {
        let elapsed = max(0, (now - updatedAt).inSeconds)
        tokens = min(burst, tokens + elapsed * rate)
        updatedAt = max(updatedAt, now)
    }
}
