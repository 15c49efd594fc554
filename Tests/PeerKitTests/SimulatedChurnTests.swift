import Testing
@testable import PeerKit

/// The bench's churn (half the network leaves at once; gets right after, and after one
/// stabilizer period), deterministic, on the simulated network: 500 nodes, 200 values, 1% loss.
@Suite struct SimulatedChurnTests {
    private func churn(seed: UInt64) -> Simulation.ChurnReport {
        var parameters = SimulationParameters()
        parameters.nodes = 500
        parameters.silentShare = 0
        parameters.values = 200
        parameters.seed = seed
        return Simulation.churn(parameters, departing: 0.5)
    }

    private func describe(_ report: Simulation.ChurnReport) -> String {
        "right after \(report.rightAfter.getsFound)/\(report.rightAfter.gets), one period later "
            + "\(report.afterOnePeriod.getsFound)/\(report.afterOnePeriod.gets); misses: "
            + report.misses.map { "live holders at ranks \($0.holders), lookup ended at \($0.endedAt): \($0.detail)" }
            .joined(separator: "; ")
    }

    @Test func afterHalfTheNetworkLeavesEveryValueStillHeldIsFound() {
        let report = churn(seed: 1)
        #expect(report.stored == 200)
        #expect(report.findable >= 190, "a value whose six holders all left is not findable")
        #expect(report.rightAfter.successRate >= 0.99, "\(describe(report))")
        #expect(report.afterOnePeriod.successRate == 1, "\(describe(report))")
    }

    /// The miss the bench saw, reproduced: one stabilizer period after the departure, a live
    /// holder (rank 0 from the key) is left out of the lookups that end at the next ranks. Not
    /// fixed yet (issue 21, part 4): when it is, this known issue stops being recorded and the
    /// test says so.
    @Test func aLiveHolderClosestToTheKeyIsMissedOnePeriodAfterAMassDeparture() {
        let report = churn(seed: 3)
        #expect(report.rightAfter.successRate >= 0.98, "\(describe(report))")
        withKnownIssue("a live closest holder is left out of the lookup's result after a mass departure") {
            #expect(report.afterOnePeriod.successRate == 1, "\(describe(report))")
        }
    }
}
