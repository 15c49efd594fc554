/// Routing-table upkeep driven by traffic.
extension ProtocolEngine {
    /// A node answered us: it is good. Insert it, or ask the full bucket's oldest node to prove it is alive.
    mutating func noteResponder(_ contact: Contact, now: Timestamp) {
        guard isAllowed(contact.address), !isOwnAddress(contact.address) else { return }
        recentAddresses.note(contact.address)
        guard case .bucketFull(let oldest) = table.insert(contact, now: now),
              now - oldest.seenAt > configuration.minPingInterval,
              evicting.count < 64, !evicting.contains(oldest.id)
        else { return }
        evicting.insert(oldest.id)
        if startQuery(Method.ping.rawValue, to: oldest.address, expecting: oldest.id,
                      purpose: .evict(oldest: oldest.id, candidate: contact), now: now) == nil {
            evicting.remove(oldest.id)
        }
    }

    /// A node queried us. Known nodes are refreshed; unknown ones are pinged first, and enter
    /// the table only by answering, so a forged source address cannot fill the table.
    mutating func noteQuerier(_ contact: Contact, now: Timestamp) {
        guard isAllowed(contact.address), contact.id != id, !isOwnAddress(contact.address) else { return }
        recentAddresses.note(contact.address)
        if table.entry(for: contact.id) != nil {
            table.touch(contact, now: now)
            return
        }
        // A new id at a known address (a restart) is verified too: its answer replaces the old entry.
        guard table.hasRoom(for: contact.id) || table.entry(at: contact.address) != nil, verifying.count < 64, verifying.insert(contact.address).inserted else { return }
        if startQuery(Method.ping.rawValue, to: contact.address, purpose: .verify(contact.address), now: now) == nil {
            verifying.remove(contact.address)
        }
    }

    /// The stabilizer: pings the nodes not heard from for LIVENESS_AGE, least recently seen
    /// first, at most `maxLivenessPings` at a time. A ping that times out counts a failure;
    /// the third removes the node, and its bucket's replacement cache fills the place.
    mutating func stabilize(now: Timestamp) {
        nextStabilize = now + configuration.stabilizeInterval
        let due = table.leastRecentlySeen(before: now - configuration.livenessAge, excluding: livenessPings,
                                          limit: configuration.maxLivenessPings - livenessPings.count)
        for entry in due {
            guard startQuery(Method.ping.rawValue, to: entry.address, expecting: entry.id, purpose: .liveness(entry.id),
                             now: now) != nil else { break }
            livenessPings.insert(entry.id)
        }
    }

    /// A node that may be handed out in answers: it answered or queried us lately and has not failed since.
    func isGood(_ entry: NodeEntry, now: Timestamp) -> Bool {
        entry.failures == 0 && now - entry.seenAt <= configuration.goodNodeAge
    }

    /// Where a lookup starts: the 3·K closest good nodes, topped up with the closest others only
    /// when too few are good (after a restart from the database, say). The lookup queries only the
    /// K closest it has not looked past, so the extra seeds cost nothing unless the closest ones
    /// are gone: then the lookup goes on from the next ones instead of waiting out the timeout.
    func lookupSeeds(near target: NodeID, now: Timestamp) -> [Contact] {
        let count = 3 * configuration.k
        var seeds = table.closest(to: target, count: count) { isGood($0, now: now) }
        if seeds.count < count {
            seeds += table.closest(to: target, count: count - seeds.count) { !isGood($0, now: now) }
        }
        return seeds.map(\.contact).filter { !isOwnAddress($0.address) }
    }

    /// Whether `address` is this node's own: its socket's address, or the address other nodes
    /// see it at. A node handed out under an old id of ours must not be queried or counted.
    func isOwnAddress(_ address: NodeAddress) -> Bool {
        if address == externalAddress { return true }
        guard let local = stats.localAddress, address.port == local.port else { return false }
        return address.host == local.host || (local.isUnspecified && address.isLoopback)
    }

    mutating func recordAddressVote(_ observed: NodeAddress, from reporter: NodeAddress) {
        if addressVotes[reporter] == nil, addressVotes.count >= 32, let any = addressVotes.keys.first {
            addressVotes.removeValue(forKey: any)
        }
        addressVotes[reporter] = observed
    }
}
