/// Routing-table upkeep driven by traffic.
extension ProtocolEngine {
    /// A node answered us: it is good. Insert it, or ask the full bucket's oldest node to prove it is alive.
    mutating func noteResponder(_ contact: Contact, now: Timestamp) {
        guard isPeerAddress(contact.address), admitsID(contact.id, at: contact.address) else { return }
        recentAddresses.note(contact.address)
        guard case .bucketFull(let oldest) = table.insert(contact, now: now) else { return }
        if preferVerified(contact, now: now) { return }
        guard now - oldest.seenAt > configuration.minPingInterval,
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
        guard isPeerAddress(contact.address), contact.id != id else { return }
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

    /// The stabilizer: pings the nodes whose last query failed, at once, and the nodes not heard
    /// from for LIVENESS_AGE, least recently seen first, at most `maxLivenessPings` at a time. A
    /// ping that times out counts a failure; the third removes the node, and its bucket's
    /// replacement cache fills the place. A live node that missed one answer is back in answers
    /// within a tick and a round trip; one that left is gone within seconds.
    mutating func stabilize(now: Timestamp) {
        nextStabilize = now + configuration.stabilizeInterval
        let due = table.dueForPing(before: now - configuration.livenessAge, excluding: livenessPings,
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
        return seeds.map(\.contact).filter { isPeerAddress($0.address) }
    }

    /// Whether a node's id follows its address (BEP 42); a node that does not is counted, and
    /// refused when ``NodeConfiguration/enforceNodeID`` is set.
    mutating func admitsID(_ id: NodeID, at address: NodeAddress) -> Bool {
        if SecureNodeID.isCompliant(id, for: address.host) { return true }
        if nonCompliantSeen.count < 10_000 { nonCompliantSeen.insert(id) }
        return !configuration.enforceNodeID
    }

    /// libtorrent's `dht_prefer_verified_node_ids`: a compliant node that finds its bucket full
    /// takes the place of a node there whose id does not follow its address. Returns whether it did.
    mutating func preferVerified(_ contact: Contact, now: Timestamp) -> Bool {
        guard SecureNodeID.isCompliant(contact.id, for: contact.address.host), !SecureNodeID.isExempt(contact.address.host),
              let unverified = table.bucket(of: contact.id).first(where: {
                  !SecureNodeID.isCompliant($0.id, for: $0.address.host)
              })
        else { return false }
        table.replace(unverified.id, with: contact, now: now)
        return true
    }

    /// Takes a BEP 42 compliant id once at least two responders agree on a public address for
    /// this node that its id does not follow. Private and loopback addresses are exempt: the id stays.
    mutating func adoptCompliantID(now: Timestamp) {
        guard let (address, votes) = externalAddressVote, votes >= 2,
              !SecureNodeID.isCompliant(id, for: address.host) else { return }
        let entries = table.entries
        id = SecureNodeID.compliantID(for: address.host, using: &random)
        table = RoutingTable(ownID: id, k: configuration.k, capacity: configuration.routingTableCapacity, now: now)
        for entry in entries where entry.id != id { _ = table.insert(entry.contact, now: entry.seenAt) }
        stats.nodeID = id
        output.adoptedID = id
        logger.info("took a node id that follows our address (BEP 42)", metadata: ["id": "\(id.hex)", "address": "\(address)"])
    }

    /// Whether a node at `address` may enter the table and be queried: an allowed address that
    /// is not this node's own.
    func isPeerAddress(_ address: NodeAddress) -> Bool { isAllowed(address) && !isOwnAddress(address) }

    /// Whether `address` is this node's own: its socket's address, or the address other nodes
    /// see it at. A node handed out under an old id of ours must not be queried or counted.
    func isOwnAddress(_ address: NodeAddress) -> Bool {
        if address == externalAddress { return true }
        guard let local = stats.localAddress, address.port == local.port else { return false }
        return address.host == local.host || (local.isUnspecified && address.isLoopback)
    }

    /// Notes where a responder says it saw us (BEP 42 `ip`): one vote per source, so one
    /// address with many ports cannot outvote the others.
    mutating func recordAddressVote(_ observed: NodeAddress, from reporter: NodeAddress, now: Timestamp) {
        let voter = reporter.source
        if addressVotes[voter] == nil, addressVotes.count >= 32, let any = addressVotes.keys.first {
            addressVotes.removeValue(forKey: any)
        }
        addressVotes[voter] = observed
        var counts: [NodeAddress: Int] = [:]
        for address in addressVotes.values { counts[address, default: 0] += 1 }
        addressTally = counts.max { $0.value < $1.value }.map { ($0.key, $0.value) }
        adoptCompliantID(now: now)
    }
}
