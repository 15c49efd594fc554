import Testing
@testable import PeerKit

/// The adaptive wait of lookups: RFC 6298's estimator, within its bounds.
@Suite struct RoundTripEstimatorTests {
    let bounds: ClosedRange<Duration> = .milliseconds(10) ... .seconds(2)

    @Test func startsAtOneSecondBeforeAnySample() {
        #expect(RoundTripEstimator(bounds: bounds).wait == .seconds(1))
    }

    @Test func followsThePathAndItsJitter() {
        var estimator = RoundTripEstimator(bounds: bounds)
        estimator.record(.milliseconds(100))
        // First sample: mean 100 ms, deviation 50 ms, so 100 + 2 × 50.
        #expect(estimator.wait == .milliseconds(200))
        for _ in 0..<50 { estimator.record(.milliseconds(100)) }
        let steady = estimator.wait
        #expect(steady > .milliseconds(100) && steady < .milliseconds(110), "\(steady)")
        estimator.record(.milliseconds(400))
        #expect(estimator.wait > .milliseconds(250), "one slow answer widens the wait at once: \(estimator.wait)")
    }

    @Test func staysWithinItsBounds() {
        var fast = RoundTripEstimator(bounds: bounds)
        for _ in 0..<20 { fast.record(.microseconds(200)) }
        #expect(fast.wait == .milliseconds(10), "a loopback round trip waits the lower bound")
        var slow = RoundTripEstimator(bounds: bounds)
        for _ in 0..<20 { slow.record(.seconds(5)) }
        #expect(slow.wait == .seconds(2), "and never more than the upper bound")
    }
}
