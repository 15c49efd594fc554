import Foundation

/// The wall clock: the one place the DHT core reads real time.
public struct SystemClock: DHTClock {
    public init() {}

    public var now: Timestamp { Timestamp(date: Date()) }

    public func sleep(until deadline: Timestamp) async throws {
        let remaining = deadline - now
        if remaining > .zero { try await Task.sleep(for: remaining) }
    }
}
