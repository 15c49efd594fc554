/// Up to K nodes sharing a prefix length with our own id, least recently seen first.
struct Bucket: Sendable {
    var entries: [NodeEntry] = []
    /// Kademlia's replacement cache (§4.1): nodes that answered while the bucket was full,
    /// most recently seen last; the newest takes the place of a node that fails for good.
    var replacements: [NodeEntry] = []
    /// When a lookup last went through this bucket's range or it gained a node.
    var lastChanged: Timestamp

    func index(of id: NodeID) -> Int? { entries.firstIndex { $0.id == id } }

    /// Remembers a node that answered while the bucket was full, keeping the newest `limit`.
    mutating func addReplacement(_ contact: Contact, now: Timestamp, limit: Int) {
        replacements.removeAll { $0.id == contact.id }
        replacements.append(NodeEntry(contact: contact, seenAt: now, failures: 0))
        if replacements.count > limit { replacements.removeFirst(replacements.count - limit) }
    }

    /// Fills a freed place with the newest replacement seen since `freshSince`, in last-seen
    /// order; older candidates are dropped.
    mutating func promoteReplacement(freshSince: Timestamp) {
        replacements.removeAll { $0.seenAt < freshSince }
        guard let replacement = replacements.popLast() else { return }
        entries.insert(replacement, at: entries.firstIndex { $0.seenAt > replacement.seenAt } ?? entries.endIndex)
    }

    /// Moves an entry to the most-recently-seen end.
    mutating func markSeen(at index: Int, now: Timestamp) {
        var entry = entries.remove(at: index)
        entry.seenAt = now
        entry.failures = 0
        entries.append(entry)
        lastChanged = now
    }
}
