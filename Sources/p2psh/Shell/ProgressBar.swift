import Foundation
import FileSharing
import PeerKit
import Synchronization

/// A download's live progress line on a terminal: bytes, rate, peers and time left.
///
/// It draws only when a person is watching (``Console/decorated``), at most five times a
/// second, on one line that ``finish()`` erases, so the final result line stands alone. In a
/// pipe it draws nothing.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
        /// (time, bytes) samples over the last few seconds, for the rate.
        var samples: [(ContinuousClock.Instant, Int64)] = []
    }

    private let label: String
    private let console: Console
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    init(label: String, console: Console) {
        self.label = label
        self.console = console
    }

    func update(_ progress: DownloadProgress) {
        guard console.decorated else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            state.samples.append((now, progress.bytesFetched))
            state.samples.removeAll { now - $0.0 > .seconds(3) }
            if let last = state.lastDraw, now - last < .milliseconds(200), progress.bytesVerified < progress.totalBytes {
                return nil
            }
            state.lastDraw = now
            state.drawn = true
            return render(progress, rate: Self.rate(state.samples))
        }
        if let line { TerminalOutput.write("\r\u{1B}[K" + line, to: 1) }
    }

    /// Erases the progress line, if one was drawn.
    func finish() {
        let drawn = state.withLock { $0.drawn }
        if drawn { TerminalOutput.write("\r\u{1B}[K", to: 1) }
    }

    /// The line, fitted to the terminal's width (one column spare, so it never wraps): the
    /// time left goes first, then the peer count, the rate, the bar, and last the name is cut.
    private func render(_ progress: DownloadProgress, rate: Double) -> String {
        let width = (TerminalDevice.columns(of: 1) ?? 80) - 1
        let total = max(progress.totalBytes, 1)
        let fraction = min(1, Double(progress.bytesVerified) / Double(total))
        let amount = "\(Formatting.bytes(Int(progress.bytesVerified))) / \(Formatting.bytes(Int(progress.totalBytes)))"
        var extras: [String] = []
        if rate > 0 {
            let remaining = Double(progress.totalBytes - progress.bytesVerified) / rate
            extras = ["\(Formatting.bytes(Int(rate)))/s",
                      "\(progress.activeProviders) peer\(progress.activeProviders == 1 ? "" : "s")",
                      "ETA \(Formatting.duration(remaining))"]
        }
        var barWidth = 20
        while true {
            let line = ([label, Self.bar(fraction, width: barWidth), amount] + extras).filter { !$0.isEmpty }.joined(separator: "  ")
            if Formatting.displayWidth(line) <= width { return line }
            if !extras.isEmpty {
                extras.removeLast()
            } else if barWidth > 0 {
                barWidth = 0
            } else {
                let room = width - Formatting.displayWidth(amount) - 2
                return room >= 4 ? Self.cut(label, to: room) + "  " + amount : Self.cut(amount, to: max(1, width))
            }
        }
    }

    private static func bar(_ fraction: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let filled = Int(fraction * Double(width))
        return "[" + String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1)) + "]"
    }

    /// `text` cut to `width` cells, with "…" when something was cut.
    private static func cut(_ text: String, to width: Int) -> String {
        guard Formatting.displayWidth(text) > width else { return text }
        var kept = ""
        for character in text {
            if Formatting.displayWidth(kept + String(character)) > width - 1 { break }
            kept.append(character)
        }
        return kept + "…"
    }

    private static func rate(_ samples: [(ContinuousClock.Instant, Int64)]) -> Double {
        guard let first = samples.first, let last = samples.last, last.0 > first.0 else { return 0 }
        return Double(last.1 - first.1) / (last.0 - first.0).inSeconds
    }
}
