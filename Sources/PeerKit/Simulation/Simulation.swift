/// The simulated network's scenarios, as the bench and the tests run them.
package enum Simulation {
    /// Stores ``SimulationParameters/values`` values, each from a random live node, and reads each
    /// from ``SimulationParameters/readsPerValue`` other live nodes once it is stored: whole
    /// stores and gets through the real engines, a share of whose table entries never answer.
    /// `built` runs once the network is made, before any lookup (the bench reads memory there).
    package static func run(_ parameters: SimulationParameters, built: () -> Void = {}) -> SimulationReport {
        let network = NetworkSimulator(parameters)
        built()
        return runStoresAndGets(on: network, parameters: parameters)
    }

    /// Bytes the live nodes send per node and hour for upkeep alone (the stabilizer's pings,
    /// checkpoints' bucket refreshes, the answers to them), over `duration` of a network where
    /// nobody looks anything up.
    package static func upkeepBytesPerNodeHour(_ parameters: SimulationParameters, over duration: Duration = .seconds(3600))
        -> Double {
        let network = NetworkSimulator(parameters)
        network.run(until: network.now + duration)
        return Double(network.bytesSent) / Double(network.liveNodes.count) / (duration / .seconds(3600))
    }

    /// The stores and gets of ``run(_:)`` on a network already made (and perhaps changed).
    static func runStoresAndGets(on network: NetworkSimulator, parameters: SimulationParameters) -> SimulationReport {
        var report = SimulationReport(parameters: parameters)
        var random = NodeRandom(seed: parameters.seed ^ 0x5EED)
        let live = network.liveNodes
        guard live.count > 1 else { return report }
        let start = network.now
        var running = 0
        for number in 0..<parameters.values {
            let writer = live.randomElement(using: &random)!
            let key = NodeID.random(using: &random), value = Array("value \(number)".utf8)
            let readers = (0..<parameters.readsPerValue).map { _ in live.randomElement(using: &random)! }
            let delays = readers.map { _ in Duration.milliseconds(Int.random(in: 500...5000, using: &random)) }
            running += 1
            network.at(start + .milliseconds(50 * number)) {
                network.lookUp(from: writer, .store(value, at: key, network.engines[writer].configuration)) { stored in
                    running -= 1
                    report.stores += 1
                    if !stored.answers.isEmpty { report.storesAcknowledged += 1 }
                    for (reader, delay) in zip(readers, delays) {
                        running += 1
                        network.at(network.now + delay) {
                            network.lookUp(from: reader, .get(key, network.engines[reader].configuration)) { got in
                                running -= 1
                                record(got, value: value, held: network.engines[reader].heldValues(at: key), in: &report)
                            }
                        }
                    }
                }
            }
        }
        network.run(until: start + .seconds(3600)) { running > 0 }
        report.virtualTime = network.now - start
        report.getTimes.sort()
        report.liveShareOfEntries = liveShare(network)
        report.events = network.eventsRun
        report.datagrams = network.datagramsSent
        return report
    }

    static func record(_ result: LookupResult, value: [UInt8], held: [[UInt8]], in report: inout SimulationReport) {
        report.gets += 1
        report.getQueries += result.queries
        report.getTimes.append(result.duration)
        let retrieved = result.answers.flatMap { (try? $0.arguments.byteStrings("values")) ?? [] }
        if (result.values + retrieved + held).contains(value) { report.getsFound += 1 }
    }

    /// The share of live nodes' table entries that are live.
    static func liveShare(_ network: NetworkSimulator) -> Double {
        let byAddress = Dictionary(uniqueKeysWithValues: network.contacts.indices.map { (network.contacts[$0].address, $0) })
        var live = 0, all = 0
        for node in network.liveNodes {
            for entry in network.engines[node].table.entries {
                all += 1
                if let index = byAddress[entry.address], !network.silent[index] { live += 1 }
            }
        }
        return all == 0 ? 0 : Double(live) / Double(all)
    }
}
