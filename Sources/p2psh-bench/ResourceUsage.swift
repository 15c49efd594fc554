import Foundation

/// The process's memory, from /proc (Linux).
enum ResourceUsage {
    /// Peak resident set size so far (VmHWM) in MiB, or nil where /proc is unavailable.
    /// Process-wide: a later row includes every earlier row's peak.
    static func peakRSSMegabytes() -> Double? {
        statusField("VmHWM").map { Double($0) / 1024 }
    }

    /// Current resident set size (VmRSS) in MiB.
    static func currentRSSMegabytes() -> Double? {
        statusField("VmRSS").map { Double($0) / 1024 }
    }

    /// A "Name:   1234 kB" line of /proc/self/status, in kB.
    private static func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let number = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return number.flatMap { Int($0) }
        }
        return nil
    }
}
