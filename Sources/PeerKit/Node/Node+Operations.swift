/// The node's operations on the network: join, lookups, store and get.
extension Node {
    /// Pings `address`, adds the node that answers, then fills the routing table from it.
    public func join(_ address: NodeAddress) async throws(NodeError) -> JoinResult {
        let answer = try await ping(address)
        await fillTable()
        await publishKeptValues()
        return JoinResult(contact: answer.contact, knownNodes: engine.table.count)
    }

    /// Publishes the values `store` kept here while this node knew no peers (a lone first node).
    func publishKeptValues() async {
        for record in engine.publishedValues.records where record.refreshedAt == Self.keptHere {
            let result = await publish(record.value, at: record.key)
            if !result.storedOn.isEmpty { engine.recordPublished(record.value, at: record.key, now: now) }
        }
    }

    /// The refresh time of a value kept here before any peer was known: due at once, wherever
    /// it is checked (a join, a checkpoint, a restart).
    static let keptHere = Timestamp(seconds: 0)

    /// One KRPC ping: whether the node at `address` answers, with what id and version, how
    /// fast, and at what address it sees this node.
    public func ping(_ address: NodeAddress) async throws(NodeError) -> PingResult {
        try checkReachable(address)
        let started = now
        switch await query(.ping, to: address) {
        case .response(let contact, let arguments):
            return PingResult(contact: contact, roundTrip: now - started,
                              observedAddress: arguments.observedAddress, clientVersion: arguments.clientVersion)
        case .error(let error) where error.otherNetworkName != nil:
            let theirs = error.otherNetworkName!
            let hint = theirs == "the public network" ? "start p2psh without --network to reach it"
                : "start p2psh with --network \(theirs.dropFirst("network ".count)) to reach it"
            throw .unreachable("node \(address) is on \(theirs), this node on \(NetworkID.name(of: configuration.networkBytes)): \(hint)")
        case .error(let error):
            throw .unreachable("\(address) answered ping with error \(error)")
        case .timeout:
            throw .unreachable("no answer from \(address) after \(configuration.queryTimeout.components.seconds) s: is a DHT node listening there?")
        case .cancelled:
            throw .cancelled
        }
    }

    /// Fails at once for an address this node cannot send to, instead of waiting out a timeout.
    private func checkReachable(_ address: NodeAddress) throws(NodeError) {
        if let rule = engine.bans.rule(covering: address) {
            throw .banned("\(address) is banned (\(rule)): 'unban \(rule)' to reach it again")
        }
        guard address.port != 0 else {
            throw .unreachable("\(address): port 0 is not a port a node can listen on (use 1 to 65535)")
        }
        if let localAddress, localAddress.isIPv4, !address.isIPv4 {
            throw .unreachable("\(address) is an IPv6 address, and this node listens on IPv4 only (udp \(localAddress)): "
                + "start p2psh with --host :: to reach IPv6 nodes")
        }
    }

    /// Looks up our own id, which fills the buckets near us, then a random id in every farther
    /// bucket (Kademlia §2.3). Without the second step the far half of the id space stays
    /// nearly empty until the first hourly refresh, and lookups from it stall short of the key.
    ///
    /// A table that has not split yet (a small network) still gets the three farthest ranges
    /// of distance looked up (half, a quarter and an eighth of the id space): each node answers
    /// with only its K closest to a target, and when nodes that left lately are among those (they
    /// are handed out until they fail to answer), one lookup can end knowing a single node.
    func fillTable() async {
        _ = await findNodes(near: id)
        let farRanges = max(engine.table.buckets.count - 1, Self.farRangesLookedUpOnJoin)
        let targets = (0..<farRanges).map { id.randomID(sharingPrefix: $0, using: &engine.random) }
        await withTaskGroup(of: Void.self) { group in
            for target in targets { group.addTask { _ = await self.findNodes(near: target) } }
        }
    }

    /// Farther ranges of distance a join looks up at least, however small the table.
    static let farRangesLookedUpOnJoin = 3

    /// Stores a value under a key on the STORE_REDUNDANCY closest nodes, and keeps republishing it.
    /// A node that knows no peers yet (the first node of a network) keeps the value here, where
    /// `get` finds it, and publishes it when it joins.
    public func store(_ value: [UInt8], at key: NodeID) async throws(NodeError) -> StoreResult {
        guard value.count <= configuration.maxValueSize else {
            throw .valueTooBig(size: value.count, limit: configuration.maxValueSize)
        }
        guard engine.table.count > 0 else {
            engine.recordPublished(value, at: key, now: Self.keptHere)
            return StoreResult(storedOn: [], queries: 0, keptHere: true)
        }
        let result = await publish(value, at: key)
        guard !Task.isCancelled else { throw .cancelled }
        guard !result.storedOn.isEmpty else {
            throw .storeFailed("no node accepted the value (\(result.queries) queries): no node on the way speaks "
                + "store_value (mainline nodes do not); 'put VALUE' stores a BEP 44 item, which they do")
        }
        engine.recordPublished(value, at: key, now: now)
        return result
    }

    /// Stores a value on the closest nodes once, without keeping it for republishing
    /// (file sharing's name records, which it announces again itself).
    package func publish(_ value: [UInt8], at key: NodeID) async -> StoreResult {
        let lookup = await lookUp(.store(value, at: key, configuration))
        return StoreResult(storedOn: lookup.answers.map(\.contact), queries: lookup.queries)
    }

    /// The values under a key: those this node holds, then those the closest nodes return. The
    /// closest nodes send their values in their `find_value` answers; only a holder with more
    /// than one answer carries is asked again (`get_value`).
    public func get(_ key: NodeID) async throws(NodeError) -> GetResult {
        var merged = ValueMerger(limit: .max)
        merged.add(engine.storedValues.values(at: key))
        merged.add(engine.publishedValues.values(at: key))
        let localCount = merged.values.count
        guard engine.table.count > 0 else {
            if localCount == 0 { throw .noPeers }
            return GetResult(values: merged.values, sources: 1, queries: 0)
        }
        let lookup = await lookUp(.get(key, configuration))
        guard !lookup.cancelled, !Task.isCancelled else { throw .cancelled }
        var network = ValueMerger(limit: configuration.retrieveValues.limit)
        network.add(lookup.values)
        for answer in lookup.answers { network.add((try? answer.arguments.byteStrings("values")) ?? []) }
        merged.add(network.values)
        let inline = ValueLookup.holders(in: lookup.closest, policy: configuration.retrieveValues,
                                         storeRedundancy: configuration.storeRedundancy)
            .filter { !$0.reply.values.isEmpty }.map(\.contact.id)
        let sources = Set(inline).union(lookup.answers.map(\.contact.id)).count
        return GetResult(values: merged.values, sources: sources + (localCount > 0 ? 1 : 0), queries: lookup.queries)
    }
}
