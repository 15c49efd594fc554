/// Up to K nodes sharing a prefix length with our own id, least recently seen first.
struct Bucket: Sendable {
    var entries: [NodeEntry] = []
    /// When a lookup last went through this bucket's range or it gained a node.
    var lastChanged: Timestamp

    func index(of id: NodeID) -> Int? { entries.firstIndex { $0.id == id } }

    /// Moves an entry to the most-recently-seen end.
    mutating func markSeen(at index: Int, now: Timestamp) {
        var entry = entries.remove(at: index)
        entry.seenAt = now
        entry.failures = 0
        entries.append(entry)
        lastChanged = now
    }
}
