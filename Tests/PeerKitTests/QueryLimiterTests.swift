import Testing
@testable import PeerKit

/// The per-source query limit on hand-set times: burst then rate, sources by IP (by address and
/// port on loopback), a bounded table, a ceiling for all, and off at 0.
@Suite struct QueryLimiterTests {
    let start = Timestamp(sinceEpoch: .seconds(1_000_000))

    func admitted(_ limiter: inout QueryLimiter, _ sender: NodeAddress, count: Int, at now: Timestamp) -> Int {
        (0..<count).filter { _ in limiter.admit(sender, now: now) }.count
    }

    @Test func aSourceGetsItsBurstThenItsRate() {
        var limiter = QueryLimiter(rate: 1000, now: start)
        let source = NodeAddress("203.0.113.5:6881")!
        let atOnce = admitted(&limiter, source, count: 1000, at: start)
        let later = admitted(&limiter, source, count: 1000, at: start + .milliseconds(100))
        let afterQuiet = admitted(&limiter, source, count: 1000, at: start + .seconds(10))
        #expect(atOnce == 250, "a quarter second's worth at once")
        #expect(later == 100, "then 1,000 a second")
        #expect(afterQuiet == 250, "never more than the burst")
    }

    @Test func sourcesAreAddressesExceptOnLoopback() {
        var limiter = QueryLimiter(rate: 100, now: start)
        // Two ports of one remote address share a bucket (burst 25).
        let firstPort = admitted(&limiter, NodeAddress("198.51.100.7:1000")!, count: 20, at: start)
        let secondPort = admitted(&limiter, NodeAddress("198.51.100.7:2000")!, count: 20, at: start)
        #expect(firstPort == 20)
        #expect(secondPort == 5)
        // On loopback every port is its own source: local networks share 127.0.0.1.
        let loopbackFirst = admitted(&limiter, NodeAddress("127.0.0.1:1000")!, count: 20, at: start)
        let loopbackSecond = admitted(&limiter, NodeAddress("127.0.0.1:2000")!, count: 20, at: start)
        #expect(loopbackFirst == 20)
        #expect(loopbackSecond == 20)
    }

    @Test func theTableOfSourcesIsBounded() {
        var limiter = QueryLimiter(rate: 100, maxSources: 4, now: start)
        for index in 0..<4 { _ = limiter.admit(NodeAddress("192.0.2.\(index + 1):1")!, now: start) }
        #expect(limiter.trackedSources == 4)
        // New sources while the table is full share one bucket (burst 25) and are not tracked.
        let newcomers = (10..<60).filter { limiter.admit(NodeAddress("192.0.2.\($0):1")!, now: start) }.count
        #expect(newcomers == 25)
        #expect(limiter.trackedSources == 4)
        // Once the tracked sources have been quiet long enough to be full again, they are forgotten.
        let afterQuiet = limiter.admit(NodeAddress("192.0.2.99:1")!, now: start + .seconds(2))
        #expect(afterQuiet)
        #expect(limiter.trackedSources == 1)
    }

    @Test func allSourcesTogetherMeetACeiling() {
        var limiter = QueryLimiter(rate: 10, maxSources: 10_000, now: start)
        // 16 × 10 a second for all, with a second's worth (160) at once; each source's burst is 16.
        let total = (0..<100).reduce(0) { sum, index in
            sum + admitted(&limiter, NodeAddress("10.1.\(index / 256).\(index % 256):1")!, count: 16, at: start)
        }
        #expect(total == 160)
    }

    @Test func zeroTurnsItOff() {
        var limiter = QueryLimiter(rate: 0, now: start)
        let all = admitted(&limiter, NodeAddress("203.0.113.5:6881")!, count: 100_000, at: start)
        #expect(all == 100_000)
        #expect(limiter.trackedSources == 0)
    }
}
