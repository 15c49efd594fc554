/// The network a simulation runs and what it asks of it (``NetworkSimulator``).
package struct SimulationParameters: Sendable {
    /// Nodes in the network, live and silent.
    package var nodes = 1000
    /// Share of nodes that never answer, which fills the same share of table entries: those
    /// that left without a goodbye after the tables were made, and those behind NATs (as on the
    /// mainline, where many nodes that query others cannot be reached).
    package var silentShare = 0.3
    /// Of the silent nodes, the share that left (the rest are behind NATs); for the report.
    package var departedShareOfSilent = 2.0 / 3.0
    /// Values stored, each from a random live node, then read by `readsPerValue` others.
    package var values = 200
    package var readsPerValue = 5
    /// Round trips: log-normal per pair of nodes, with this median and spread (σ of its log).
    package var medianRoundTrip: Duration = .milliseconds(100)
    package var roundTripSpread = 0.7
    /// Share of datagrams lost, each way.
    package var loss = 0.01
    /// How lookups wait and time out.
    package var policy = LookupPolicy.p2psh
    package var seed: UInt64 = 1

    package init() {}
}

/// The lookup timing a simulated network's nodes use.
package enum LookupPolicy: String, Sendable, CaseIterable {
    /// p2psh's own: a learned wait before looking past a slow node, resends at 2 s and 6 s, 9 s timeout.
    case p2psh
    /// What the mainline's common clients do: a fixed 15 s timeout and no look-past.
    case baseline

    func apply(to configuration: inout NodeConfiguration) {
        switch self {
        case .p2psh:
            break
        case .baseline:
            configuration.queryTimeout = .seconds(15)
            configuration.queryResendDelays = []
            configuration.lookupWaitBounds = .seconds(15) ... .seconds(15)
        }
    }
}
