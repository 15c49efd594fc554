/// A mass departure on the simulated network: the churn the bench measures with real nodes,
/// here deterministic and on virtual time.
extension Simulation {
    /// What gets found after a share of the network left at once.
    struct ChurnReport {
        /// Gets right after the departure, and one stabilizer period later.
        var rightAfter = SimulationReport(parameters: SimulationParameters())
        var afterOnePeriod = SimulationReport(parameters: SimulationParameters())
        /// Values stored, and of them those some live node held right after the departure.
        var stored = 0
        var findable = 0
        /// For each get that missed a value some live node held: the ranks (0: closest to the
        /// key, among live nodes) of the live holders, of the nodes the lookup ended at, and its figures.
        var misses: [(holders: [Int], endedAt: [Int], detail: String)] = []
    }

    /// Stores `parameters.values` values, then `departing` of the live nodes leave without a
    /// goodbye; each value is read from a random live node right after, and again one
    /// stabilizer period later.
    static func churn(_ parameters: SimulationParameters, departing: Double) -> ChurnReport {
        let network = NetworkSimulator(parameters)
        var random = NodeRandom(seed: parameters.seed ^ 0xC4)
        let stored = storeAll(on: network, count: parameters.values, using: &random)
        let live = network.liveNodes
        for node in live.shuffled(using: &random).prefix(Int(Double(live.count) * departing)) { network.depart(node) }
        var report = ChurnReport()
        report.stored = stored.count
        report.rightAfter = readAll(stored, on: network, misses: &report.misses, using: &random)
        report.findable = report.rightAfter.gets
        network.run(until: network.now + network.engines[0].configuration.stabilizerPeriod)
        var later: [(holders: [Int], endedAt: [Int], detail: String)] = []
        report.afterOnePeriod = readAll(stored, on: network, misses: &later, using: &random)
        report.misses += later
        return report
    }

    /// Stores `count` values from random live nodes, one after another; returns those stored.
    private static func storeAll(on network: NetworkSimulator, count: Int, using random: inout NodeRandom)
        -> [(key: NodeID, value: [UInt8])] {
        let live = network.liveNodes
        var stored: [(key: NodeID, value: [UInt8])] = []
        var running = 0
        for number in 0..<count {
            let key = NodeID.random(using: &random), value = Array("value \(number)".utf8)
            running += 1
            let writer = live.randomElement(using: &random)!
            network.lookUp(from: writer, .store(value, at: key, network.engines[writer].configuration)) { result in
                running -= 1
                if !result.answers.isEmpty { stored.append((key, value)) }
            }
        }
        network.run(until: network.now + .seconds(600)) { running > 0 }
        return stored
    }

    /// Reads each value that some live node still holds once from a random live node, all at
    /// once: a value whose every holder left cannot be found, and is not counted.
    private static func readAll(_ stored: [(key: NodeID, value: [UInt8])], on network: NetworkSimulator,
                                misses: inout [(holders: [Int], endedAt: [Int], detail: String)], using random: inout NodeRandom)
        -> SimulationReport {
        var report = SimulationReport(parameters: network.parameters)
        let live = network.liveNodes
        var running = 0
        var missed: [(NodeID, [UInt8], LookupResult, Int)] = []
        for (key, value) in stored where live.contains(where: { network.engines[$0].storedValues.contains(value, at: key) }) {
            let reader = live.randomElement(using: &random)!
            running += 1
            network.lookUp(from: reader, .get(key, network.engines[reader].configuration)) { result in
                running -= 1
                let before = report.getsFound
                record(result, value: value, held: network.engines[reader].heldValues(at: key), in: &report)
                if report.getsFound == before { missed.append((key, value, result, reader)) }
            }
        }
        network.run(until: network.now + .seconds(600)) { running > 0 }
        report.getTimes.sort()
        for (key, value, result, reader) in missed {
            let (holders, endedAt) = ranks(of: key, value, result, on: network)
            let table = network.engines[reader].table
            misses.append((holders, endedAt, "node \(reader) (\(table.count) in its table) queried \(result.queried), "
                + "\(result.failed) failed, \(result.lookedPast) looked past, in \(result.duration)"))
        }
        return report
    }

    private static func ranks(of key: NodeID, _ value: [UInt8], _ result: LookupResult, on network: NetworkSimulator)
        -> (holders: [Int], endedAt: [Int]) {
        let byDistance = network.liveNodes.sorted { network.contacts[$0].id.distance(to: key) < network.contacts[$1].id.distance(to: key) }
        let rank = Dictionary(uniqueKeysWithValues: byDistance.enumerated().map { (network.contacts[$1].id, $0) })
        let holders = byDistance.enumerated().filter { network.engines[$1].storedValues.contains(value, at: key) }.map(\.offset)
        return (holders, result.closest.compactMap { rank[$0.contact.id] })
    }
}
