import Foundation
import PeerKit

/// What the churn run measured: gets before, right after and one stabilizer period after half
/// the network left without a goodbye, and how long survivors kept listing departed nodes.
struct ChurnResult: Sendable {
    var network: NetworkResult
    var beforeChurn = GetRound()
    var rightAfter = GetRound()
    var afterOnePeriod = GetRound()
    var stabilizerPeriod: Duration = .zero
    var survivors = 0
    /// Values no surviving node held any more: no get can find them.
    var lostValues = 0
    /// Entries for departed nodes in survivors' tables, at the moment they left.
    var deadEntriesAtChurn = 0
    /// Seconds from the churn until no survivor listed a departed node; nil if that never happened in time.
    var secondsUntilClean: Double?
    var deadEntriesLeft = 0
}

/// N nodes settle; half of them close at once (sockets closed, no goodbye); survivors get every
/// value at once, and again after one stabilizer period, while the bench watches their tables.
enum ChurnBenchmark {
    static func run(size: Int, options: Options) async -> ChurnResult {
        var result = ChurnResult(network: NetworkResult(size: size))
        result.stabilizerPeriod = NodeConfiguration().stabilizerPeriod
        var random = SystemRandomNumberGenerator()
        let limit = options.bootstrapConcurrency
        guard let nodes = await NetworkBenchmark.bootstrap(size: size, options: options, into: &result.network) else {
            return result
        }
        let stored = await NetworkBenchmark.storeRandomValues(options.operations, on: nodes, random: &random,
                                                              into: &result.network)
        Output.progress("churn N=\(size): \(stored.count) gets before churn")
        result.beforeChurn = await NetworkBenchmark.getEach(stored, readers: Array(nodes.indices), nodes: nodes,
                                                            random: &random)
        result.network.gets = result.beforeChurn

        let departed = Set(nodes.indices.shuffled(using: &random).prefix(size / 2))
        let survivors = nodes.indices.filter { !departed.contains($0) }
        let departedIDs = Set(departed.map { nodes[$0].id })
        result.survivors = survivors.count
        Output.progress("churn N=\(size): \(departed.count) nodes leave at once")
        await NetworkBenchmark.close(departed.map { nodes[$0] }, limit: limit)
        let churnedAt = ContinuousClock.now
        result.deadEntriesAtChurn = await deadEntries(in: survivors.map { nodes[$0] }, departed: departedIDs)
        result.lostValues = await lostValues(stored, survivors: survivors.map { nodes[$0] })

        Output.progress("churn N=\(size): \(stored.count) gets right after")
        result.rightAfter = await NetworkBenchmark.getEach(stored, readers: survivors, nodes: nodes, random: &random)

        Output.progress("churn N=\(size): waiting one stabilizer period (\(result.stabilizerPeriod))")
        try? await Task.sleep(until: churnedAt + result.stabilizerPeriod, clock: .continuous)
        Output.progress("churn N=\(size): \(stored.count) gets after one stabilizer period")
        result.afterOnePeriod = await NetworkBenchmark.getEach(stored, readers: survivors, nodes: nodes, random: &random)

        // Watch the tables until no survivor lists a departed node, for at most three periods.
        let giveUp = churnedAt + result.stabilizerPeriod * 3
        var reported: Int?
        while ContinuousClock.now < giveUp {
            let left = await deadEntries(in: survivors.map { nodes[$0] }, departed: departedIDs)
            result.deadEntriesLeft = left
            if left == 0 {
                result.secondsUntilClean = seconds(since: churnedAt)
                break
            }
            if left != reported {
                Output.progress("churn N=\(size): \(left) entries for departed nodes after \(Int(seconds(since: churnedAt))) s")
                reported = left
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        await NetworkBenchmark.close(survivors.map { nodes[$0] }, limit: limit)
        result.network.peakRSS = ResourceUsage.peakRSSMegabytes()
        return result
    }

    /// Entries for departed nodes, summed over the survivors' routing tables.
    static func deadEntries(in survivors: [Node], departed: Set<NodeID>) async -> Int {
        var count = 0
        for node in survivors { count += await node.routingTable().filter { departed.contains($0.id) }.count }
        return count
    }

    /// Values that no survivor holds for others any more (a writer's own copy is not served to gets).
    static func lostValues(_ stored: [StoredValue], survivors: [Node]) async -> Int {
        var held = Set<[UInt8]>()
        for node in survivors {
            for value in await node.heldValues() where !value.published { held.insert(value.value) }
        }
        return stored.filter { !held.contains($0.value) }.count
    }
}
