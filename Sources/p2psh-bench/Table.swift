import Foundation

/// The report: a markdown table with a targets row, pass/miss marks, and notes.
enum Table {
    /// The targets the figures are judged against.
    enum Target {
        static let getSuccessPercent = 100.0
        static let getP50Milliseconds = 20.0
        static let queriesPerGet = 40.0
        static let peakRSSMegabytes = 300.0
        /// The queries-per-get and RSS targets are set for this size (smaller networks must meet them too).
        static let targetSize = 500
        static let findNodeAnswersPerSecond = 100_000.0
    }

    static let header = """
        | N | bootstrap s | store ok | get ok | get p50 ms | get p95 ms | queries/get | peak RSS MB |
        |---:|---:|---:|---:|---:|---:|---:|---:|
        | target | | | 100% | < 20 | | < 40 at N=500 | < 300 at N=500 |
        """

    static func row(_ result: NetworkResult) -> String {
        let p50 = result.gets.p50, p95 = result.gets.p95
        let queries = result.gets.meanQueries
        let getPercent = result.gets.successPercent
        let sized = result.size <= Target.targetSize
        let storeCell = percent(result.storesOK, of: result.stores).map { format($0, 1) + "%" } ?? "–"
        let getCell = getPercent.map { format($0, 1) + "% " + mark($0 >= Target.getSuccessPercent) } ?? "–"
        let p50Cell = p50.map { format($0, 1) + " " + mark($0 < Target.getP50Milliseconds) } ?? "–"
        let p95Cell = p95.map { format($0, 1) } ?? "–"
        let queriesCell = queries.map { format($0, 1) + (sized ? " " + mark($0 < Target.queriesPerGet) : "") } ?? "–"
        let rssCell = result.peakRSS.map { format($0, 0) + (sized ? " " + mark($0 < Target.peakRSSMegabytes) : "") } ?? "–"
        let cells: [String] = ["\(result.size)", format(result.bootstrapSeconds, 2), storeCell, getCell, p50Cell, p95Cell,
                               queriesCell, rssCell]
        return "| " + cells.joined(separator: " | ") + " |"
    }

    static func notes(_ result: NetworkResult) -> String {
        var parts = [
            "joins failed \(result.joinFailures)/\(result.size - 1)",
            "own-id lookups timed out \(result.lookupTimeouts)",
            "routing table mean \(format(result.meanTableSize, 1)) (min \(result.minTableSize))",
            "stores \(result.storesOK)/\(result.stores) in \(format(result.storeSeconds, 1)) s",
            "gets \(result.gets.ok)/\(result.gets.gets)",
        ]
        if let reported = mean(result.gets.reportedQueriesPerGet.map(Double.init)) {
            parts.append("GetResult.queries mean \(format(reported, 1))")
        }
        if let worst = result.gets.latencies.max() { parts.append("slowest get \(format(worst, 1)) ms") }
        var text = "- N=\(result.size): " + parts.joined(separator: ", ")
        let errors = result.errors + result.gets.errors
        if !errors.isEmpty { text += "\n  first errors: " + errors.prefix(5).joined(separator: "; ") }
        return text
    }

    static func findNodeLine(_ outcome: Result<FindNodeLoad.Result, FindNodeLoad.Failure>) -> String {
        let target = "(target >= \(Int(Target.findNodeAnswersPerSecond)))"
        switch outcome {
        case .success(let result):
            let counts = result.counts
            let rate = counts.answersPerSecond
            return """
                find_node load: \(Int(rate.rounded())) answers/s \(target) \(mark(rate >= Target.findNodeAnswersPerSecond)), \
                per-source rate limit off (one generator socket is one source)
                - one node (routing table \(result.tableSize)), \(format(counts.measuredSeconds, 2)) s measured after \
                \(FindNodeLoad.warmupSeconds) s warm-up: sent \(counts.sent), answered \(counts.answered), \
                lost \(counts.lost), other datagrams \(counts.other), socket errors \(counts.errors); \
                the node counted \(result.receivedByNode) find_node received
                - \(libtorrentLine(result.libtorrent, peerKitRate: rate))
                """
        case .failure(let failure):
            return "find_node load: failed, \(failure) \(target)"
        }
    }

    /// libtorrent's rate under the same generator in the same run, and PeerKit's as a multiple of it.
    static func libtorrentLine(_ outcome: Result<(version: String, counts: FindNodeLoadGenerator.Counts), FindNodeLoad.Failure>,
                               peerKitRate: Double) -> String {
        switch outcome {
        case .success(let (version, counts)):
            let rate = counts.answersPerSecond
            let ratio = rate > 0 ? format(peerKitRate / rate, 2) + "x" : "n/a"
            return "libtorrent \(version), same generator, same run: \(Int(rate.rounded())) answers/s "
                + "(sent \(counts.sent), answered \(counts.answered), lost \(counts.lost)); PeerKit = \(ratio) libtorrent"
        case .failure(let failure):
            return "libtorrent not measured: \(failure)"
        }
    }

    static func mark(_ pass: Bool) -> String { pass ? "ok" : "MISS" }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    static func percent(_ part: Int, of whole: Int) -> Double? {
        whole == 0 ? nil : 100 * Double(part) / Double(whole)
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
