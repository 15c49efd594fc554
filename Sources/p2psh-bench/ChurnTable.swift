import Foundation

/// The churn report: one row per round of gets, judged against the no-churn round of the same run.
enum ChurnTable {
    enum Target {
        static let rightAfterRatio = 5.0
        static let afterOnePeriodRatio = 1.5
        static let cleanWithin: Double = 120
    }

    static func lines(_ result: ChurnResult) -> [String] {
        let period = result.stabilizerPeriod.inSeconds
        var lines = [
            "churn: N=\(result.network.size); \(result.network.size - result.survivors) nodes leave at once without a goodbye; "
                + "\(result.beforeChurn.gets) gets per round from random nodes (survivors after the churn)",
            "",
            "| round | get ok | get p50 ms | p50 vs before | get p95 ms | queries/get |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        let baseline = result.beforeChurn.p50
        lines.append(row("before churn", result.beforeChurn, baseline: baseline, target: nil, lost: 0))
        lines.append(row("right after", result.rightAfter, baseline: baseline, target: Target.rightAfterRatio,
                         lost: result.lostValues))
        lines.append(row("after one stabilizer period (\(Table.format(period, 0)) s)", result.afterOnePeriod,
                         baseline: baseline, target: Target.afterOnePeriodRatio, lost: result.lostValues))
        lines.append("")
        let bound = min(2 * period, Target.cleanWithin)
        if let clean = result.secondsUntilClean {
            lines.append("- departed nodes in survivors' tables: \(result.deadEntriesAtChurn) entries at the churn, none after "
                + "\(Table.format(clean, 1)) s (target: within 2 periods and 2 minutes, \(Table.format(bound, 0)) s) "
                + Table.mark(clean <= bound))
        } else {
            lines.append("- departed nodes in survivors' tables: \(result.deadEntriesAtChurn) entries at the churn, "
                + "\(result.deadEntriesLeft) still listed after 3 periods \(Table.mark(false))")
        }
        lines.append("- values no survivor held any more: \(result.lostValues); \"get ok\" counts the gets of the others, "
            + "which a get can find (target 100%)")
        for (name, round) in [("before", result.beforeChurn), ("right after", result.rightAfter),
                              ("after one period", result.afterOnePeriod)] where !round.errors.isEmpty {
            lines.append("  first errors \(name): " + round.errors.joined(separator: "; "))
        }
        return lines
    }

    private static func row(_ name: String, _ round: GetRound, baseline: Double?, target: Double?, lost: Int) -> String {
        let findable = round.gets - lost
        let percent = Table.percent(round.ok, of: findable)
        let okCell = percent.map { Table.format($0, 1) + "% " + Table.mark($0 >= 100) } ?? "–"
        let ratio = round.p50.flatMap { p50 in baseline.map { p50 / max($0, 0.001) } }
        var ratioCell = ratio.map { Table.format($0, 2) + "x" } ?? "–"
        if let ratio, let target { ratioCell += " (< \(Table.format(target, 1))x) " + Table.mark(ratio <= target) }
        let cells = [name, okCell, round.p50.map { Table.format($0, 1) } ?? "–", ratioCell,
                     round.p95.map { Table.format($0, 1) } ?? "–", round.meanQueries.map { Table.format($0, 1) } ?? "–"]
        return "| " + cells.joined(separator: " | ") + " |"
    }
}
