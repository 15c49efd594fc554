/// What a simulation measured (``Simulation/run(_:)``).
package struct SimulationReport: Sendable {
    package var parameters: SimulationParameters
    /// Gets that found the value they looked for, and gets run.
    package var getsFound = 0
    package var gets = 0
    /// Stores that at least one node acknowledged, and stores run.
    package var storesAcknowledged = 0
    package var stores = 0
    /// Each get's time from start to result, sorted.
    package var getTimes: [Duration] = []
    /// Queries sent per get, lookup and retrieval, in all.
    package var getQueries = 0
    /// Share of the live nodes' table entries that are live nodes, at the end.
    package var liveShareOfEntries = 0.0
    /// Virtual time the run covered; events and datagrams it handled.
    package var virtualTime: Duration = .zero
    package var events = 0
    package var datagrams = 0

    package var successRate: Double { gets == 0 ? 0 : Double(getsFound) / Double(gets) }
    package var queriesPerGet: Double { gets == 0 ? 0 : Double(getQueries) / Double(gets) }

    /// The get time below which `fraction` of gets ended (nearest rank).
    package func percentile(_ fraction: Double) -> Duration {
        guard !getTimes.isEmpty else { return .zero }
        let rank = Int((fraction * Double(getTimes.count)).rounded(.up)) - 1
        return getTimes[min(max(rank, 0), getTimes.count - 1)]
    }
}
