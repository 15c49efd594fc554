/// Bans and forgetting: what an operator does about an abusive address or a stale entry.
extension ProtocolEngine {
    /// Bans `rule` until `end` (nil: until lifted). A banned source gets no answer, is never
    /// queried nor handed out, and leaves the table at once. Returns the entries it removed, or
    /// nil when the list is full.
    mutating func ban(_ rule: BanRule, until end: Timestamp?, now: Timestamp) -> [NodeEntry]? {
        guard bans.insert(rule, until: end) else { return nil }
        output.bansChanged = true
        let removed = table.removeAll { rule.covers($0.address) }
        verifying = verifying.filter { !rule.covers($0) }
        recentAddresses.removeAll { rule.covers($0) }
        logger.info("banned", metadata: ["rule": "\(rule)", "removed": "\(removed.count)"])
        return removed
    }

    /// Lifts a ban; false when there was none.
    mutating func unban(_ rule: BanRule) -> Bool {
        guard bans.remove(rule) else { return false }
        output.bansChanged = true
        return true
    }

    /// The bans in force, with when each ends.
    var banRecords: [(rule: BanRule, until: Timestamp?)] {
        bans.rules.map { ($0.key, $0.value) }.sorted { "\($0.rule)" < "\($1.rule)" }
    }

    /// Lifts the bans that ended by `now` (``advance(to:)`` calls it).
    mutating func expireBans(now: Timestamp) {
        let ended = bans.expire(now: now)
        guard !ended.isEmpty else { return }
        output.bansChanged = true
        for rule in ended { logger.info("ban ended", metadata: ["rule": "\(rule)"]) }
    }

    /// Drops the entries at `address` or with `id` from the table, its replacement candidates
    /// and the nodes heard from lately. Nothing stops the node from coming back by answering:
    /// that is what a ban is for. Returns the entries dropped.
    mutating func forget(address: NodeAddress? = nil, id: NodeID? = nil) -> [NodeEntry] {
        let removed = table.removeAll { $0.address == address || $0.id == id }
        let addresses = Set(removed.map(\.address) + [address].compactMap { $0 })
        recentAddresses.removeAll { addresses.contains($0) }
        return removed
    }
}
