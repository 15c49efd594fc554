/// One watch of a key, as the node keeps it: where new values go, which values were seen,
/// and which holders it listens to (only their notifications count).
struct WatchState: Sendable {
    let key: NodeID
    let continuation: AsyncStream<[UInt8]>.Continuation
    var seen: Set<[UInt8]> = []
    /// Holders that took the listen this round and the round before: a holder's registration
    /// outlives one round, and so may its notifications.
    var holders: Set<NodeAddress> = []
    var previousHolders: Set<NodeAddress> = []

    /// Passes on the values not seen before.
    mutating func deliver(_ values: [[UInt8]]) {
        for value in values where seen.insert(value).inserted { continuation.yield(value) }
    }

    /// Whether a notification from `sender` (nil: this node itself) may be believed.
    func trusts(_ sender: NodeAddress?) -> Bool {
        sender.map { holders.contains($0) || previousHolders.contains($0) } ?? true
    }
}
