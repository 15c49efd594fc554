import Foundation
import PeerKit

/// The simulated network's rows: the p2psh policy and the baseline in the same run, with goals.
enum SimulationTable {
    struct Run {
        let report: SimulationReport
        /// Resident memory the network's nodes took, per node, in KiB: measured on the first run
        /// only, since freed memory stays with the process and the next network reuses it.
        let kibPerNode: Double?
        let wallSeconds: Double
        let upkeepKiBPerNodeHour: Double
    }

    /// Nodes of the baseline's network at most: its 15 s timeouts keep its gets running past the
    /// stabilizer's first minute, when every node pings the whole table it was made with, which
    /// at 100,000 nodes alone would take the bench past its 10 minutes.
    static let baselineNodes = 20_000

    static func run(nodes: Int, values: Int, upkeepNodes: Int) -> [Run] {
        LookupPolicy.allCases.enumerated().map { number, policy in
            var parameters = SimulationParameters()
            parameters.nodes = policy == .baseline ? min(nodes, baselineNodes) : nodes
            parameters.values = values
            parameters.policy = policy
            Output.progress("simulating \(nodes) nodes, \(policy.rawValue) policy")
            let before = ResourceUsage.currentRSSMegabytes() ?? 0
            var after = before
            let started = Date()
            let report = Simulation.run(parameters) { after = ResourceUsage.currentRSSMegabytes() ?? 0 }
            let wall = Date().timeIntervalSince(started)
            parameters.nodes = upkeepNodes
            let upkeep = Simulation.upkeepBytesPerNodeHour(parameters) / 1024
            return Run(report: report, kibPerNode: number == 0 ? (after - before) * 1024 / Double(nodes) : nil, wallSeconds: wall,
                       upkeepKiBPerNodeHour: upkeep)
        }
    }

    static func lines(_ runs: [Run], upkeepNodes: Int) -> [String] {
        guard let first = runs.first else { return [] }
        let parameters = first.report.parameters
        var lines = [
            "simulated network: real engines on virtual time, \(Int(parameters.silentShare * 100))% silent "
                + "(left without a goodbye, or behind a NAT); round trips log-normal, median "
                + "\(Int(parameters.medianRoundTrip / .milliseconds(1))) ms, σ \(parameters.roundTripSpread); "
                + "\(Int(parameters.loss * 100))% loss each way; \(first.report.stores) stores, \(first.report.gets) gets",
            "",
            "policy    nodes    found            p50              p95       p99             queries/get  live entries  KiB/node  wall",
        ]
        for run in runs {
            let report = run.report, isOurs = report.parameters.policy == .p2psh
            let found = String(format: "%.2f%%", report.successRate * 100) + (isOurs ? mark(report.successRate >= 0.995) : "  ")
            let p50 = milliseconds(report.percentile(0.5)) + (isOurs ? mark(report.percentile(0.5) <= .milliseconds(250)) : "  ")
            let p99 = milliseconds(report.percentile(0.99)) + (isOurs ? mark(report.percentile(0.99) <= .seconds(1)) : "  ")
            lines.append([pad(report.parameters.policy.rawValue, 9), pad(String(report.parameters.nodes), 8), pad(found, 16), pad(p50, 16),
                          pad(milliseconds(report.percentile(0.95)), 9), pad(p99, 15),
                          pad(String(format: "%.1f", report.queriesPerGet), 12), pad(String(format: "%.1f%%", report.liveShareOfEntries * 100), 13),
                          pad(run.kibPerNode.map { String(format: "%.1f", $0) } ?? "—", 9),
                          String(format: "%.0f s", run.wallSeconds) + (isOurs ? mark(run.wallSeconds <= 600) : "")].joined(separator: " "))
        }
        lines.append("goals (p2psh policy): ≥ 99.5% found, p50 ≤ 250 ms, p99 ≤ 1 s, ≤ 600 s wall, ≤ 8 GB; "
            + "peak RSS \(String(format: "%.0f", ResourceUsage.peakRSSMegabytes() ?? 0)) MiB" + mark((ResourceUsage.peakRSSMegabytes() ?? 0) <= 8192))
        lines.append("upkeep, \(upkeepNodes) nodes for one virtual hour with no lookups, sent per live node: "
            + runs.map { "\($0.report.parameters.policy.rawValue) \(String(format: "%.0f", $0.upkeepKiBPerNodeHour)) KiB" }.joined(separator: ", "))
        return lines
    }

    private static func mark(_ met: Bool) -> String { met ? " ✓" : " ✗" }

    private static func milliseconds(_ duration: Duration) -> String { String(format: "%.0f ms", duration / .milliseconds(1)) }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
