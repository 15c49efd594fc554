import NIOCore
import Synchronization

/// The HTTP server's connections held to its ``HTTPLimits``, across the event loops that accept them.
///
/// Connections are admitted, timed and closed on several event loops at once, so the table
/// sits behind one mutex, held for a few dictionary operations and never across I/O: a
/// displaced connection is closed after the lock is released. Counters are atomics.
final class ConnectionLimits: Sendable {
    let limits: HTTPLimits

    private struct State: Sendable {
        var table = ConnectionTable<UInt64, String>()
        var channels: [UInt64: any Channel] = [:]
    }

    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(0)
    private let refusedCount = Atomic<Int>(0)
    private let timedOutCount = Atomic<Int>(0)
    private let displacedCount = Atomic<Int>(0)

    /// Whether a client's address is banned (the node's bans): its connections are closed unanswered.
    let isBanned: @Sendable (SocketAddress) -> Bool

    init(_ limits: HTTPLimits, isBanned: @escaping @Sendable (SocketAddress) -> Bool = { _ in false }) {
        self.limits = limits
        self.isBanned = isBanned
    }

    /// Connections open now.
    var open: Int { state.withLock { $0.table.count } }
    /// Connections with a request in progress now.
    var busy: Int { state.withLock { $0.table.busyCount } }
    /// Connections refused (503) because every connection was busy when a cap was reached.
    var refused: Int { refusedCount.load(ordering: .relaxed) }
    /// Connections closed for sending no complete request head in time.
    var timedOut: Int { timedOutCount.load(ordering: .relaxed) }
    /// Connections waiting for a head that were closed to make room for a new one.
    var displaced: Int { displacedCount.load(ordering: .relaxed) }

    /// Admits a new connection, closing the one that has waited longest for a head if a cap
    /// is reached; returns its id, or nil when it must be refused.
    func admit(_ channel: any Channel) -> UInt64? {
        let client = channel.remoteAddress?.ipAddress ?? "unknown"
        let id = nextID.add(1, ordering: .relaxed).newValue
        let limits = limits
        var victim: (any Channel)?
        let admitted = state.withLock { state in
            let full = state.table.count(from: client) >= limits.maxConnectionsPerClient
            if full || state.table.count >= limits.maxConnections {
                guard let oldest = state.table.longestWaiting(of: full ? client : nil) else { return false }
                state.table.close(oldest)
                victim = state.channels.removeValue(forKey: oldest)
            }
            state.table.open(id, from: client)
            state.channels[id] = channel
            return true
        }
        if let victim {
            displacedCount.add(1, ordering: .relaxed)
            victim.close(promise: nil)
        }
        guard admitted else {
            refusedCount.add(1, ordering: .relaxed)
            return nil
        }
        return id
    }

    /// The connection waits for a request head (again).
    func waiting(_ id: UInt64) { state.withLock { $0.table.wait(id) } }

    /// A request head arrived on the connection.
    func busy(_ id: UInt64) { state.withLock { $0.table.busy(id) } }

    /// Counts a connection closed for waiting too long for a head.
    func countTimeout() { timedOutCount.add(1, ordering: .relaxed) }

    func closed(_ id: UInt64) {
        state.withLock { state in
            state.table.close(id)
            state.channels[id] = nil
        }
    }
}
