import ArgumentParser
import Foundation
import FileSharing
import PeerKit

struct Stats: Verb {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the node's state and traffic counters.",
        discussion: """
            Uptime, node id, addresses, routing table and network size estimate, values, BEP 44 \
            items and announced peers held, items put, the public key this node signs its \
            mutable items with, storage used of --storage-limit, stores refused and values \
            evicted by it, values withdrawn by their sources, packets and bytes in and out, malformed datagrams, queries dropped \
            over the rate limit (--rate-limit), the network (--network) and datagrams from others, bans in force and datagrams dropped by them, nodes seen whose ids do not follow their address (BEP 42); the HTTP address, share directory, files shared, \
            bytes uploaded and downloaded, fetches that succeeded and failed, HTTP connections \
            open, refused (503), timed out and displaced, neighbours, and the admin secret (what remote admin requests must send as 'Authorization: Bearer'); \
            and for each KRPC method: queries sent, answered, failed, mean round trip, and \
            queries received.

            Example:
              stats
            """)
    static let group = VerbGroup.network

    struct Output: VerbOutput {
        struct Method: Encodable, Sendable {
            var sent: Int
            var succeeded: Int
            var failed: Int
            /// Mean round trip of answered queries; absent when none was answered.
            var averageMilliseconds: Double?
            var received: Int
        }

        var uptimeSeconds: Int
        var nodeId: String
        /// "127.0.0.1:6881"; absent before the socket is bound.
        var udpAddress: String?
        /// What other nodes see; absent until some have said.
        var externalAddress: String?
        /// Absent for an ephemeral node.
        var database: String?
        var routingTableNodes: Int
        var buckets: Int
        var estimatedNetworkSize: Int
        var valuesHeld: Int
        var keysHeld: Int
        var valuesPublished: Int
        /// BEP 44 items other nodes put here.
        var itemsHeld: Int
        /// BEP 44 items this node put, and puts again hourly while it runs.
        var itemsPublished: Int
        /// The ed25519 public key of this node's mutable items, 64 hex digits: `get` it (with `--salt`).
        var itemPublicKey: String
        /// Peers announced here with `announce_peer`, over all info hashes.
        var peersHeld: Int
        /// What values and announced peers held cost against `storage_limit`, in bytes.
        var storageUsed: Int
        var storageLimit: Int
        /// Stores and announcements refused: storage was full and their source held the most.
        var storesRefused: Int
        /// Values and announced peers pushed out to make room for another source's.
        var valuesEvicted: Int
        /// Values dropped here because the source that stored them withdrew them (`unstore`).
        var valuesWithdrawn: Int
        var packetsIn: Int
        var packetsOut: Int
        var bytesIn: Int
        var bytesOut: Int
        var malformedIn: Int
        /// Queries left unanswered because their source went over `--rate-limit`.
        var queriesDropped: Int
        /// The private network (`--network`); absent on the public network.
        var network: String?
        /// Datagrams from nodes of another network, refused or ignored.
        var otherNetworkDatagrams: Int
        /// Bans in force (`bans` lists them).
        var bans: Int
        /// Datagrams dropped unread because their source is banned.
        var bannedDatagrams: Int
        /// Distinct nodes seen whose ids do not follow their IP address (BEP 42).
        var nonCompliantNodes: Int
        var httpAddress: String
        /// Absent when the node shares nothing.
        var shareDirectory: String?
        var filesShared: Int
        var bytesShared: Int64
        var bytesUploaded: Int64
        var bytesDownloaded: Int64
        var fetchesSucceeded: Int64
        var fetchesFailed: Int64
        var httpConnections: Int
        /// Refused with 503: a connection cap was reached and every connection was busy.
        var httpConnectionsRefused: Int
        /// Closed for sending no complete request head in time.
        var httpConnectionsTimedOut: Int
        /// Idle connections closed to make room for new ones at a connection cap.
        var httpConnectionsDisplaced: Int
        var neighbours: Int
        var adminSecret: String
        var methods: [String: Method]

        func lines(for console: Console) -> [String] {
            guard console.decorated else { return plainLines }
            let summary: [[String]] = [
                ["uptime", Formatting.duration(Double(uptimeSeconds))],
                ["node id", nodeId],
                ["listening on", udpAddress.map { "udp \($0)" } ?? "-"],
                ["external address", externalAddress ?? "unknown"],
                ["database", database ?? "none (ephemeral)"],
                ["routing table", Formatting.count(routingTableNodes, "node") + " in " + Formatting.count(buckets, "bucket")],
                ["network size", "~\(estimatedNetworkSize) nodes (estimate)"],
                ["values held", Formatting.count(valuesHeld, "value") + " under " + Formatting.count(keysHeld, "key")],
                ["values published", "\(valuesPublished)"],
                ["items held", "\(itemsHeld) (BEP 44, put here); \(itemsPublished) put by this node"],
                ["item key", itemPublicKey],
                ["peers held", "\(peersHeld) (announced here)"],
                ["storage", "\(Formatting.bytes(storageUsed)) of \(Formatting.bytes(storageLimit)); "
                    + "\(storesRefused) refused, \(valuesEvicted) evicted, \(valuesWithdrawn) withdrawn"],
                ["packets in/out", "\(packetsIn) / \(packetsOut)"],
                ["bytes in/out", "\(Formatting.bytes(bytesIn)) / \(Formatting.bytes(bytesOut))"],
                ["malformed in", "\(malformedIn)"],
                ["queries dropped", "\(queriesDropped) (over the rate limit)"],
                ["network", (network.map { "\($0) (private)" } ?? "public") + "; \(otherNetworkDatagrams) datagrams from others"],
                ["bans", "\(bans) in force; \(bannedDatagrams) datagrams dropped"],
                ["non-compliant", "\(nonCompliantNodes) nodes whose ids do not follow their address (BEP 42)"],
                ["http", httpAddress],
                ["share directory", shareDirectory ?? "none"],
                ["files shared", "\(filesShared) (\(Formatting.bytes(Int(bytesShared))))"],
                ["uploaded/downloaded", "\(Formatting.bytes(Int(bytesUploaded))) / \(Formatting.bytes(Int(bytesDownloaded)))"],
                ["fetches ok/failed", "\(fetchesSucceeded) / \(fetchesFailed)"],
                ["http connections", "\(httpConnections) open; \(httpConnectionsRefused) refused, "
                    + "\(httpConnectionsTimedOut) timed out, \(httpConnectionsDisplaced) displaced"],
                ["neighbours", "\(neighbours)"],
                ["admin secret", adminSecret],
            ]
            var lines = Formatting.table(summary.map { [$0[0] + ":", $0[1]] })
            let rows = methods.sorted { $0.key < $1.key }.map { name, counters in
                [name, "\(counters.sent)", "\(counters.succeeded)", "\(counters.failed)",
                 counters.averageMilliseconds.map { String(format: "%.1f", $0) } ?? "-", "\(counters.received)"]
            }
            if !rows.isEmpty {
                lines += Formatting.table(rows, header: ["method", "sent", "ok", "failed", "avg ms", "received"], console: console)
            }
            return lines
        }

        /// For pipes: one `FIELD VALUE` record a line, the fields named as in `--json`
        /// (`routing_table_nodes 12`, `methods.ping.sent 3`), so `awk '$1 == "..."'` reads them.
        var plainLines: [String] {
            guard let data = try? JSONEncoder.results.encode(self),
                  let object = try? JSONSerialization.jsonObject(with: data) else { return [] }
            var lines: [String] = []
            func flatten(_ value: Any, _ path: String) {
                if let dictionary = value as? [String: Any] {
                    for key in dictionary.keys.sorted() { flatten(dictionary[key]!, path.isEmpty ? key : path + "." + key) }
                } else {
                    lines.append("\(path) \(value)")
                }
            }
            flatten(object, "")
            return lines
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        await Self.output(of: session.peer)
    }

    /// What `GET /admin/stats` answers: the same object as `stats --json`'s result.
    static func json(of peer: FileSharingPeer) async -> Data {
        (try? JSONEncoder.results.encode(await output(of: peer))) ?? Data("{}".utf8)
    }

    static func output(of peer: FileSharingPeer) async -> Output {
        let node = peer.node
        let stats = await node.statistics()
        let sharing = await peer.statistics()
        let now = Date()
        return Output(
            uptimeSeconds: max(0, Int(now.timeIntervalSince(stats.startedAt))), nodeId: node.id.hex,
            udpAddress: await node.localAddress.map { "\($0)" }, externalAddress: stats.externalAddress.map { "\($0)" },
            database: stats.databasePath, routingTableNodes: stats.tableSize, buckets: stats.bucketCount,
            estimatedNetworkSize: stats.estimatedNetworkSize, valuesHeld: stats.valuesHeld, keysHeld: stats.keysHeld,
            valuesPublished: stats.valuesPublished, itemsHeld: stats.itemsHeld, itemsPublished: stats.itemsPublished,
            itemPublicKey: stats.itemPublicKey.hexString, peersHeld: stats.peersHeld, storageUsed: stats.storageUsed,
            storageLimit: stats.storageLimit, storesRefused: stats.storesRefused, valuesEvicted: stats.valuesEvicted,
            valuesWithdrawn: stats.valuesWithdrawn,
            packetsIn: stats.packetsIn, packetsOut: stats.packetsOut,
            bytesIn: stats.bytesIn, bytesOut: stats.bytesOut, malformedIn: stats.malformedIn,
            queriesDropped: stats.queriesDropped, network: stats.network, otherNetworkDatagrams: stats.otherNetworkIn,
            bans: stats.bans, bannedDatagrams: stats.bannedIn,
            nonCompliantNodes: stats.nonCompliantNodesSeen,
            httpAddress: sharing.httpAddress, shareDirectory: sharing.shareDirectory, filesShared: sharing.filesShared,
            bytesShared: sharing.bytesShared, bytesUploaded: sharing.bytesUploaded, bytesDownloaded: sharing.bytesDownloaded,
            fetchesSucceeded: sharing.fetchesSucceeded, fetchesFailed: sharing.fetchesFailed,
            httpConnections: sharing.httpConnections, httpConnectionsRefused: sharing.httpConnectionsRefused,
            httpConnectionsTimedOut: sharing.httpConnectionsTimedOut,
            httpConnectionsDisplaced: sharing.httpConnectionsDisplaced, neighbours: sharing.neighbours,
            adminSecret: peer.configuration.secret.description,
            methods: stats.methods.mapValues { counters in
                Output.Method(sent: counters.sent, succeeded: counters.succeeded, failed: counters.failed,
                              averageMilliseconds: counters.averageLatency.map { ($0 * 10_000).rounded() / 10 },
                              received: counters.received)
            })
    }
}
