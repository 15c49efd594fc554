/// Where the DHT core reads the time and waits: every timing of the protocol (query
/// resends and timeouts, lookup stalls, checkpoint, expiry, republishing, token
/// rotation, bucket refresh) goes through one clock.
///
/// ``SystemClock`` is the real one. Tests pass a manual clock that they advance by
/// hand, so an hour of maintenance runs in microseconds and nothing sleeps.
protocol DHTClock: Sendable {
    /// The current time.
    var now: Timestamp { get }
    /// Suspends until the clock reaches `deadline`; throws `CancellationError` when cancelled.
    func sleep(until deadline: Timestamp) async throws
}
