import Prometheus

/// How long the node's KRPC queries and lookups take, recorded as they end, for `GET /metrics`.
///
/// Counters and sizes come from ``NodeStats`` when metrics are read; durations cannot, so they
/// are kept here, in Prometheus histograms of their own registry. No label holds an address,
/// a node id or a key: only the method, which is one of the node's own.
public final class NodeMetrics: Sendable {
    /// The histograms' registry; its text is part of what `/metrics` serves.
    public let registry = PrometheusCollectorRegistry()
    private let queries: [String: DurationHistogram]
    private let lookups: DurationHistogram

    /// From a millisecond (loopback) to ten seconds (a query's 9 s timeout).
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                      .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10)]

    init() {
        let queryName = MetricNameDescriptor(namespace: "p2psh", metricName: "krpc_query_duration", unitName: "seconds",
                                             helpText: "Time from sending a KRPC query to its answer, by method.")
        var queries: [String: DurationHistogram] = [:]
        for method in Method.allCases.map(\.rawValue) + ["hello"] {
            queries[method] = registry.makeDurationHistogram(descriptor: queryName, labels: [("method", method)], buckets: Self.buckets)
        }
        self.queries = queries
        lookups = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "p2psh", metricName: "lookup_duration", unitName: "seconds",
                                             helpText: "Time an iterative lookup takes, from its first query to its result."),
            buckets: Self.buckets + [.seconds(30)])
    }

    /// Records an answered query of `method`; methods of no histogram are not recorded.
    func recordQuery(_ method: String, took duration: Duration) {
        queries[method]?.record(duration)
    }

    func recordLookup(took duration: Duration) {
        lookups.record(duration)
    }
}
