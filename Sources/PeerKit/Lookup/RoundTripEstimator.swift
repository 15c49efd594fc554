/// How long a lookup waits on a node before looking past it, learned from the round trips
/// the node observes, as TCP's retransmission timer is (RFC 6298).
///
/// The wait is the smoothed round trip plus twice its mean deviation, kept within `bounds`:
/// on a LAN or loopback it falls to the lower bound, so a departed node costs a lookup
/// milliseconds; across the internet it follows the path, so most live nodes are not looked
/// past. TCP adds four deviations because a spurious resend costs it a window; looking past a
/// node costs one more query and keeps its late answer, and on the simulated network the
/// smaller wait took a fifth to a third off the median get. Callers feed it only answers that
/// cannot belong to a resend (Karn's rule).
struct RoundTripEstimator: Sendable {
    /// The wait never goes below or above these.
    let bounds: ClosedRange<Duration>
    /// Before the first sample (RFC 6298's initial timeout is 1 s).
    let initial: Duration
    private var smoothed: Duration?
    private var deviation: Duration = .zero

    init(bounds: ClosedRange<Duration>, initial: Duration = .seconds(1)) {
        self.bounds = bounds
        self.initial = initial
    }

    /// A wait that does not adapt.
    static func fixed(_ wait: Duration) -> RoundTripEstimator { RoundTripEstimator(bounds: wait ... wait) }

    /// Folds in one round trip: the deviation moves by 1/4 of the error, the mean by 1/8 (RFC 6298 §2).
    mutating func record(_ roundTrip: Duration) {
        guard let smoothed else {
            self.smoothed = roundTrip
            deviation = roundTrip / 2
            return
        }
        let error = roundTrip > smoothed ? roundTrip - smoothed : smoothed - roundTrip
        deviation = deviation * 3 / 4 + error / 4
        self.smoothed = smoothed * 7 / 8 + roundTrip / 8
    }

    /// How long to wait on a node before looking past it.
    var wait: Duration {
        guard let smoothed else { return clamp(initial) }
        return clamp(smoothed + deviation * 2)
    }

    private func clamp(_ value: Duration) -> Duration { min(max(value, bounds.lowerBound), bounds.upperBound) }
}
