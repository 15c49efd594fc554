import PeerKit

/// What one round of gets measured.
struct GetRound: Sendable {
    var gets = 0
    var ok = 0
    /// Wall time of each get, in milliseconds.
    var latencies: [Double] = []
    /// Queries the getting node sent during each get, from its statistics.
    var queriesPerGet: [Int] = []
    /// The queries each get reported itself (`GetResult.queries`), for comparison.
    var reportedQueriesPerGet: [Int] = []
    /// The first few errors, to say why a get failed.
    var errors: [String] = []

    var p50: Double? { Table.percentile(latencies.sorted(), 0.50) }
    var p95: Double? { Table.percentile(latencies.sorted(), 0.95) }
    var meanQueries: Double? { Table.mean(queriesPerGet.map(Double.init)) }
    var successPercent: Double? { Table.percent(ok, of: gets) }

    mutating func note(_ error: String) {
        if errors.count < 5 { errors.append(error) }
    }
}

/// A value the bench stored, who stored it and which nodes acknowledged it.
struct StoredValue: Sendable {
    let key: NodeID
    let value: [UInt8]
    let writer: Int
    let storedOn: [NodeID]
}
