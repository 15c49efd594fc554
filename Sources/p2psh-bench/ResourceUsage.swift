import Foundation

/// The process's memory, from /proc (Linux).
enum ResourceUsage {
    /// Peak resident set size so far (VmHWM) in MiB, or nil where /proc is unavailable.
    /// Process-wide: a later row includes every earlier row's peak.
    /// Of another process when `pid` is given.
    static func peakRSSMegabytes(of pid: Int32? = nil) -> Double? {
        statusField("VmHWM", of: pid).map { Double($0) / 1024 }
    }

    /// Current resident set size (VmRSS) in MiB, of this process or of `pid`.
    static func currentRSSMegabytes(of pid: Int32? = nil) -> Double? {
        statusField("VmRSS", of: pid).map { Double($0) / 1024 }
    }

    /// A "Name:   1234 kB" line of /proc/PID/status, in kB.
    private static func statusField(_ name: String, of pid: Int32?) -> Int? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let number = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return number.flatMap { Int($0) }
        }
        return nil
    }
}
