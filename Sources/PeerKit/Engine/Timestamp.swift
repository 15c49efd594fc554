import Foundation

/// A moment on the node's clock: a `Duration` since 1970.
///
/// The DHT's timings are `Duration`s added to and compared with timestamps; the
/// epoch is 1970 so that a stored time reads back as a date (``date``).
struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The time since 1970-01-01 00:00 UTC.
    var sinceEpoch: Duration

    init(sinceEpoch: Duration) { self.sinceEpoch = sinceEpoch }

    init(date: Date) { self.init(seconds: date.timeIntervalSince1970) }

    init(seconds: Double) { self.init(sinceEpoch: .seconds(seconds)) }

    /// The moment as a date, for people.
    var date: Date { Date(timeIntervalSince1970: seconds) }

    /// Seconds since 1970, as the database keeps it.
    var seconds: Double { sinceEpoch.inSeconds }

    static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.sinceEpoch < rhs.sinceEpoch }
    static func + (lhs: Timestamp, rhs: Duration) -> Timestamp { Timestamp(sinceEpoch: lhs.sinceEpoch + rhs) }
    static func - (lhs: Timestamp, rhs: Duration) -> Timestamp { Timestamp(sinceEpoch: lhs.sinceEpoch - rhs) }
    static func - (lhs: Timestamp, rhs: Timestamp) -> Duration { lhs.sinceEpoch - rhs.sinceEpoch }

    var description: String { date.formatted(.iso8601) }
}

extension Duration {
    /// The duration in seconds, for arithmetic with jitter and for printing.
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
