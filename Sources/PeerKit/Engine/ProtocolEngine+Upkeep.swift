/// Routing-table upkeep driven by traffic.
extension ProtocolEngine {
    /// A node answered us: it is good. Insert it, or ask the full bucket's oldest node to prove it is alive.
    mutating func noteResponder(_ contact: Contact, now: Timestamp) {
        guard isAllowed(contact.address) else { return }
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
        guard isAllowed(contact.address), contact.id != id else { return }
        recentAddresses.note(contact.address)
        if table.entry(for: contact.id) != nil {
            table.touch(contact, now: now)
            return
        }
        guard table.hasRoom(for: contact.id), verifying.count < 64, verifying.insert(contact.address).inserted else { return }
        if startQuery(Method.ping.rawValue, to: contact.address, purpose: .verify(contact.address), now: now) == nil {
            verifying.remove(contact.address)
        }
    }

    mutating func recordAddressVote(_ observed: NodeAddress, from reporter: NodeAddress) {
        if addressVotes[reporter] == nil, addressVotes.count >= 32, let any = addressVotes.keys.first {
            addressVotes.removeValue(forKey: any)
        }
        addressVotes[reporter] = observed
    }
}
