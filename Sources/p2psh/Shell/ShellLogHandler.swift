import Foundation
import Logging
import Synchronization

/// swift-log's output for p2psh: one line per event on stderr, written through ``LogLines``
/// so that a log line never splits a command's result nor the line being typed.
///
/// One level for the whole process, which the `log` verb changes at run time: every logger
/// reads it on each event, so a change reaches loggers made before it.
struct ShellLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]

    private static let current = Mutex(LogLevel.warning)

    init(label: String) { self.label = label }

    /// What is logged now; `-v` starts at debug, `log LEVEL` changes it.
    static var level: LogLevel {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// A logger made stricter by its owner (a framework quieted unless debugging) keeps that.
    private var floor: Logger.Level?

    var logLevel: Logger.Level {
        get {
            let shared: Logger.Level = switch Self.level {
            case .off: .critical
            case .warning: .warning
            case .info: .info
            case .debug: .debug
            }
            return max(shared, floor ?? shared)
        }
        set { floor = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard Self.level != .off else { return }
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
        LogLines.write("\(time) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
    }
}
