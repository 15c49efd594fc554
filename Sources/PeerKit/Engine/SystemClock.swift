import Foundation

/// The wall clock: the one place the DHT core reads real time.
struct SystemClock: DHTClock {
    init() {}

    var now: Timestamp { Timestamp(date: Date()) }

    func sleep(until deadline: Timestamp) async throws {
        let remaining = deadline - now
        if remaining > .zero { try await Task.sleep(for: remaining) }
    }
}
