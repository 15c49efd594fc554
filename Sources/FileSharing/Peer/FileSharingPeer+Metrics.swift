import PeerKit
import Prometheus

/// What `GET /metrics` serves: the node's and file sharing's counters and sizes, read from
/// their statistics when scraped, and the node's latency histograms.
extension FileSharingPeer {
    /// Prometheus text: `p2psh_…_total` counters by method and outcome, gauges, histograms.
    func metricsText() async -> String {
        let node = await self.node.statistics()
        let sharing = await statistics()
        let registry = PrometheusCollectorRegistry()
        Self.addKRPC(node, to: registry)
        Self.addTraffic(node, sharing, to: registry)
        Self.addSizes(node, sharing, to: registry)
        return registry.emitToString() + self.node.metrics.registry.emitToString()
    }

    private static func counter(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String,
                                _ labels: [(String, String)] = [], _ value: some BinaryInteger) {
        let descriptor = MetricNameDescriptor(namespace: "p2psh", metricName: name, unitName: "total", helpText: help)
        registry.makeCounter(descriptor: descriptor, labels: labels).increment(by: Int64(value))
    }

    private static func gauge(_ registry: PrometheusCollectorRegistry, _ name: String, unit: String = "", _ help: String,
                              _ value: some BinaryInteger) {
        let descriptor = MetricNameDescriptor(namespace: "p2psh", metricName: name, unitName: unit, helpText: help)
        registry.makeGauge(descriptor: descriptor, labels: []).set(Int64(value))
    }

    private static func addKRPC(_ node: NodeStats, to registry: PrometheusCollectorRegistry) {
        for (method, counters) in node.methods.sorted(by: { $0.key < $1.key }) {
            let help = "KRPC queries this node sent, by method and how they ended."
            counter(registry, "krpc_queries_sent", help, [("method", method), ("outcome", "answered")], counters.succeeded)
            counter(registry, "krpc_queries_sent", help, [("method", method), ("outcome", "failed")], counters.failed)
            counter(registry, "krpc_queries_received", "KRPC queries this node answered, by method.",
                    [("method", method)], counters.received)
        }
    }

    private static func addTraffic(_ node: NodeStats, _ sharing: SharingStatistics, to registry: PrometheusCollectorRegistry) {
        counter(registry, "udp_datagrams", "UDP datagrams, by direction.", [("direction", "in")], node.packetsIn)
        counter(registry, "udp_datagrams", "UDP datagrams, by direction.", [("direction", "out")], node.packetsOut)
        counter(registry, "udp_bytes", "UDP payload bytes, by direction.", [("direction", "in")], node.bytesIn)
        counter(registry, "udp_bytes", "UDP payload bytes, by direction.", [("direction", "out")], node.bytesOut)
        let ignored = "Datagrams the node did not act on (refused or dropped), by why."
        counter(registry, "udp_datagrams_dropped", ignored, [("reason", "malformed")], node.malformedIn)
        counter(registry, "udp_datagrams_dropped", ignored, [("reason", "rate_limit")], node.queriesDropped)
        counter(registry, "udp_datagrams_dropped", ignored, [("reason", "banned")], node.bannedIn)
        counter(registry, "udp_datagrams_dropped", ignored, [("reason", "other_network")], node.otherNetworkIn)
        counter(registry, "stores_refused", "Stores refused: storage was full and their source held the most.",
                [], node.storesRefused)
        let dropped = "Values others stored here that went before they expired, by why."
        counter(registry, "values_dropped", dropped, [("reason", "evicted")], node.valuesEvicted)
        counter(registry, "values_dropped", dropped, [("reason", "withdrawn")], node.valuesWithdrawn)
        counter(registry, "http_bytes", "Bytes of files served and fetched over HTTP.", [("direction", "uploaded")], sharing.bytesUploaded)
        counter(registry, "http_bytes", "Bytes of files served and fetched over HTTP.", [("direction", "downloaded")], sharing.bytesDownloaded)
        counter(registry, "fetches", "Fetches, by outcome.", [("outcome", "succeeded")], sharing.fetchesSucceeded)
        counter(registry, "fetches", "Fetches, by outcome.", [("outcome", "failed")], sharing.fetchesFailed)
        let closed = "HTTP connections the server ended early, by why."
        counter(registry, "http_connections_closed", closed, [("reason", "refused")], sharing.httpConnectionsRefused)
        counter(registry, "http_connections_closed", closed, [("reason", "timed_out")], sharing.httpConnectionsTimedOut)
        counter(registry, "http_connections_closed", closed, [("reason", "displaced")], sharing.httpConnectionsDisplaced)
    }

    private static func addSizes(_ node: NodeStats, _ sharing: SharingStatistics, to registry: PrometheusCollectorRegistry) {
        gauge(registry, "routing_table_nodes", "Nodes in the routing table.", node.tableSize)
        gauge(registry, "routing_table_buckets", "Buckets of the routing table.", node.bucketCount)
        gauge(registry, "estimated_network_nodes", "The network's size as the routing table estimates it.",
              node.estimatedNetworkSize)
        gauge(registry, "values_held", "Values other nodes stored here.", node.valuesHeld)
        gauge(registry, "values_published", "Values this node publishes.", node.valuesPublished)
        gauge(registry, "items_held", "BEP 44 items other nodes put here.", node.itemsHeld)
        gauge(registry, "peers_held", "BitTorrent peers announced here.", node.peersHeld)
        gauge(registry, "storage_used", unit: "bytes", "What held values, items and peers cost against the storage limit.",
              node.storageUsed)
        gauge(registry, "storage_limit", unit: "bytes", "The storage limit (--storage-limit).", node.storageLimit)
        gauge(registry, "bans", "Bans in force.", node.bans)
        gauge(registry, "files_shared", "Files this node shares.", sharing.filesShared)
        gauge(registry, "http_connections", "HTTP connections open.", sharing.httpConnections)
        gauge(registry, "neighbours", "File-sharing neighbours.", sharing.neighbours)
        gauge(registry, "start_time", unit: "seconds", "When the node started, in seconds since 1970.",
              Int64(node.startedAt.timeIntervalSince1970))
    }
}
