import Foundation

/// A moment on the node's clock: a `Duration` since 1970.
///
/// The DHT's timings are `Duration`s added to and compared with timestamps; the
/// epoch is 1970 so that a stored time reads back as a date (``date``).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The time since 1970-01-01 00:00 UTC.
    public var sinceEpoch: Duration

    public init(sinceEpoch: Duration) { self.sinceEpoch = sinceEpoch }

    init(date: Date) { self.init(seconds: date.timeIntervalSince1970) }

    init(seconds: Double) { self.init(sinceEpoch: .seconds(seconds)) }

    /// The moment as a date, for people.
    public var date: Date { Date(timeIntervalSince1970: seconds) }

    /// Seconds since 1970, as the database keeps it.
    var seconds: Double {
        let (whole, attoseconds) = sinceEpoch.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.sinceEpoch < rhs.sinceEpoch }
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp { Timestamp(sinceEpoch: lhs.sinceEpoch + rhs) }
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp { Timestamp(sinceEpoch: lhs.sinceEpoch - rhs) }
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration { lhs.sinceEpoch - rhs.sinceEpoch }

    public var description: String { date.formatted(.iso8601) }
}

extension Duration {
    /// The duration in seconds, for arithmetic with jitter and for printing.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
