import ArgumentParser
import Foundation
import PeerKit

struct Stats: Verb {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the node's state and traffic counters.",
        discussion: """
            Uptime, node id, addresses, routing table and network size estimate, values held, \
            packets and bytes in and out; the HTTP address, share directory, files shared, \
            bytes uploaded and downloaded, fetches that succeeded and failed, neighbours, and \
            the admin secret (what remote admin requests must send as 'Authorization: Bearer'); \
            and for each KRPC method: queries sent, answered, failed, mean round trip, and \
            queries received.

            Example:
              stats
            """)
    static let group = VerbGroup.network
    static let synopsis = ""

    func execute(in session: ShellSession) async throws -> VerbResult {
        let stats = await session.node.statistics()
        let sharing = await session.peer.statistics()
        let now = session.node.configuration.clock()
        let summary: [[String]] = [
            ["uptime", Formatting.duration(now.timeIntervalSince(stats.startedAt))],
            ["node id", stats.nodeID.hex],
            ["listening on", stats.localAddress.map { "udp \($0)" } ?? "-"],
            ["external address", stats.externalAddress.map(String.init(describing:)) ?? "unknown"],
            ["database", stats.databasePath ?? "none (ephemeral)"],
            ["routing table", "\(stats.tableSize) nodes in \(stats.bucketCount) buckets"],
            ["network size", "~\(stats.estimatedNetworkSize) nodes (estimate)"],
            ["values held", "\(stats.valuesHeld) values under \(stats.keysHeld) keys"],
            ["values published", "\(stats.valuesPublished)"],
            ["packets in/out", "\(stats.packetsIn) / \(stats.packetsOut)"],
            ["bytes in/out", "\(Formatting.bytes(stats.bytesIn)) / \(Formatting.bytes(stats.bytesOut))"],
            ["malformed in", "\(stats.malformedIn)"],
            ["http", sharing.httpAddress],
            ["share directory", sharing.shareDirectory ?? "none"],
            ["files shared", "\(sharing.filesShared) (\(Formatting.bytes(Int(sharing.bytesShared))))"],
            ["uploaded/downloaded", "\(Formatting.bytes(Int(sharing.bytesUploaded))) / \(Formatting.bytes(Int(sharing.bytesDownloaded)))"],
            ["fetches ok/failed", "\(sharing.fetchesSucceeded) / \(sharing.fetchesFailed)"],
            ["neighbours", "\(sharing.neighbours)"],
            ["admin secret", session.peer.configuration.secret.text],
        ]
        for line in Formatting.table(summary.map { [$0[0] + ":", $0[1]] }) { session.console.print(line) }
        var rows = [["method", "sent", "ok", "failed", "avg ms", "received"]]
        for (method, counters) in stats.methods.sorted(by: { $0.key < $1.key }) {
            rows.append([method, "\(counters.sent)", "\(counters.succeeded)", "\(counters.failed)",
                         counters.averageLatency.map { String(format: "%.1f", $0 * 1000) } ?? "-", "\(counters.received)"])
        }
        if rows.count > 1 { for line in Formatting.table(rows) { session.console.print(line) } }
        return .done
    }
}
