/// The transfer benchmark's report: rates, ratios against curl and aria2c, and memory.
enum TransferTable {
    static let oneProviderRatioTarget = 0.8
    static let fourProviderRatioTarget = 1.0
    static let peakRSSTargetMegabytes = 200.0

    static func lines(_ result: TransferBenchmark.Result) -> [String] {
        let one = result.fetchOne / result.curl, four = result.fetchFour / result.aria2
        func mark(_ ok: Bool) -> String { ok ? "✓" : "✗" }
        var lines = [
            "| \(result.size >> 20) MiB over 127.0.0.1 | providers | MiB/s | ratio | target |",
            "|---|---:|---:|---:|---|",
            "| curl | 1 | \(Table.format(result.curl, 0)) | | |",
            "| p2psh fetch | 1 | \(Table.format(result.fetchOne, 0)) | \(Table.format(one, 2)) \(mark(one >= oneProviderRatioTarget)) | ≥ 0.8 × curl |",
            "| aria2c -x4 -s16 | 4 | \(Table.format(result.aria2, 0)) | | |",
            "| p2psh fetch | 4 | \(Table.format(result.fetchFour, 0)) | \(Table.format(four, 2)) \(mark(four >= fourProviderRatioTarget)) | ≥ 1.0 × aria2c |",
        ]
        if let rss = result.peakRSS {
            lines.append("")
            lines.append("downloader peak RSS: \(Table.format(rss, 0)) MB \(mark(rss < peakRSSTargetMegabytes)) (target < 200)"
                + (result.providerPeakRSS.map { "; largest provider process: \(Table.format($0, 0)) MB" } ?? ""))
        }
        return lines
    }
}
