import Testing
@testable import PeerKit

/// Whole stores and gets through real engines over a simulated network, on virtual time: no
/// sockets, no sleeping.
@Suite struct SimulationTests {
    private func network(values: Int, reads: Int, policy: LookupPolicy = .p2psh) -> SimulationParameters {
        var parameters = SimulationParameters()
        parameters.nodes = 400
        parameters.values = values
        parameters.readsPerValue = reads
        parameters.seed = 7
        parameters.policy = policy
        return parameters
    }

    @Test func storesAndGetsSucceedAmongSilentNodesWithInternetRoundTrips() {
        let report = Simulation.run(network(values: 40, reads: 3))
        #expect(report.stores == 40 && report.gets == 120)
        #expect(report.storesAcknowledged == 40)
        #expect(report.successRate >= 0.99, "\(report.getsFound) of \(report.gets) found")
        // With a 100 ms median round trip, a get of a few hops takes some hundreds of ms, not the
        // 9 s a silent node's timeout would cost it.
        #expect(report.percentile(0.5) < .milliseconds(800), "p50 \(report.percentile(0.5))")
        #expect(report.percentile(0.99) < .seconds(3), "p99 \(report.percentile(0.99))")
        #expect(report.datagrams > 0 && report.events > 0)
    }

    @Test func theBaselinePolicyWaitsOutSilentNodes() {
        let report = Simulation.run(network(values: 20, reads: 2, policy: .baseline))
        #expect(report.successRate >= 0.95, "\(report.getsFound) of \(report.gets) found")
        #expect(report.percentile(0.5) > .seconds(10), "p50 \(report.percentile(0.5)): a silent node among the closest costs 15 s")
    }
}
