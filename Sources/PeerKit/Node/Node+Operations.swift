/// The node's operations on the network: join, lookups, store and get.
extension Node {
    /// Pings `address`, adds the node that answers, then fills the routing table from it.
    public func join(_ address: NodeAddress) async throws(NodeError) -> JoinResult {
        let answer = try await ping(address)
        await fillTable()
        return JoinResult(contact: answer.contact, knownNodes: engine.table.count)
    }

    /// One KRPC ping: whether the node at `address` answers, with what id and version, how
    /// fast, and at what address it sees this node.
    public func ping(_ address: NodeAddress) async throws(NodeError) -> PingResult {
        try checkReachable(address)
        let started = now
        switch await query(.ping, to: address) {
        case .response(let contact, let arguments):
            return PingResult(contact: contact, roundTrip: now - started,
                              observedAddress: arguments.observedAddress, clientVersion: arguments.clientVersion)
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

    /// Iterative find_node: the K closest nodes to `target` that answered.
    public func lookup(_ target: NodeID) async -> [Contact] {
        await findNodes(near: target).closest.map(\.contact)
    }

    func findNodes(near target: NodeID) async -> TraversalResult<Bool> {
        await traverse(target) { node, contact in
            let outcome = await node.query(.findNode, ["target": .bytes(target.bytes)], to: contact.address,
                                           expecting: contact.id)
            guard case .response(_, let arguments) = outcome, let closer = try? arguments.contacts() else { return .failed }
            return .answered(closer: await node.allowed(closer), reply: true)
        }
    }

    /// Iterative find_value: the K closest nodes, with their tokens and value counts.
    func findValue(_ key: NodeID) async -> TraversalResult<FindValueReply> {
        await traverse(key) { node, contact in
            switch await node.query(.findValue, ["key": .bytes(key.bytes)], to: contact.address, expecting: contact.id) {
            case .response(_, let arguments):
                guard let closer = try? arguments.contacts() else { return .failed }
                let count = (try? arguments.optionalInteger("num", in: 0...Int64(Int32.max))) ?? nil
                let reply = FindValueReply(token: try? arguments.bytes("token"), valueCount: Int(count ?? 0))
                return .answered(closer: await node.allowed(closer), reply: reply)
            case .error(let error) where error.code == 203 || error.code == 204:
                // A mainline node (libtorrent answers 203, others 204): alive, but it cannot store.
                return .answered(closer: [], reply: FindValueReply(token: nil, valueCount: 0))
            default:
                return .failed
            }
        }
    }

    func traverse<Reply: Sendable>(
        _ target: NodeID, query: @escaping @Sendable (Node, Contact) async -> TraversalAnswer<Reply>
    ) async -> TraversalResult<Reply> {
        engine.table.markLookedUp(target, now: now)
        let logger = engine.logger
        var traversal = Traversal(target: target, k: configuration.k, concurrency: configuration.concurrentRequests,
                                  roundTrips: lookupRoundTrips, clock: configuration.clock)
        traversal.lookedPast = { contact, waited in
            logger.debug("lookup looked past", metadata: ["node": "\(contact.address)", "waited ms": "\(Int(waited.inSeconds * 1000))"])
        }
        let seeds = engine.lookupSeeds(near: target, now: now)
        let result = await traversal.run(seeds: seeds, excluding: id) { contact in await query(self, contact) }
        for roundTrip in result.roundTrips { lookupRoundTrips.record(roundTrip) }
        return result
    }

    func allowed(_ contacts: [Contact]) -> [Contact] { contacts.filter { engine.isAllowed($0.address) } }

    /// Stores a value under a key on the STORE_REDUNDANCY closest nodes, and keeps republishing it.
    public func store(_ value: [UInt8], at key: NodeID) async throws(NodeError) -> StoreResult {
        guard value.count <= configuration.maxValueSize else {
            throw .valueTooBig(size: value.count, limit: configuration.maxValueSize)
        }
        guard engine.table.count > 0 else { throw .noPeers }
        let result = await publish(value, at: key)
        guard !Task.isCancelled else { throw .cancelled }
        guard !result.storedOn.isEmpty else {
            throw .storeFailed("no node accepted the value (\(result.queries) queries): the closest nodes may not support store_value")
        }
        engine.recordPublished(value, at: key, now: now)
        return result
    }

    /// Stores a value on the closest nodes once, without keeping it for republishing
    /// (file sharing's name records, which it announces again itself).
    package func publish(_ value: [UInt8], at key: NodeID) async -> StoreResult {
        let lookup = await findValue(key)
        let (stored, queried) = await ValueLookup.store(to: lookup.closest, redundancy: configuration.storeRedundancy) {
            contact, token in
            let arguments: BencodeDictionary = ["key": .bytes(key.bytes), "value": .bytes(value), "token": .bytes(token)]
            if case .response = await self.query(.storeValue, arguments, to: contact.address, expecting: contact.id) {
                return true
            }
            return false
        }
        return StoreResult(storedOn: stored, queries: lookup.queried + queried)
    }

    /// The values under a key: those this node holds, then those the closest nodes return.
    public func get(_ key: NodeID) async throws(NodeError) -> GetResult {
        var merged = ValueMerger(limit: .max)
        merged.add(engine.storedValues.values(at: key))
        merged.add(engine.publishedValues.values(at: key))
        let localCount = merged.values.count
        guard engine.table.count > 0 else {
            if localCount == 0 { throw .noPeers }
            return GetResult(values: merged.values, sources: 1, queries: 0)
        }
        let lookup = await findValue(key)
        let retrieved = await ValueLookup.retrieve(from: lookup.closest, policy: configuration.retrieveValues,
                                                   storeRedundancy: configuration.storeRedundancy) { contact in
            let arguments: BencodeDictionary = ["key": .bytes(key.bytes), "num": 0]
            guard case .response(_, let reply) = await self.query(.getValue, arguments, to: contact.address,
                                                                  expecting: contact.id)
            else { return nil }
            return try? reply.byteStrings("values")
        }
        guard !Task.isCancelled else { throw .cancelled }
        merged.add(retrieved.values)
        return GetResult(values: merged.values, sources: retrieved.sources + (localCount > 0 ? 1 : 0),
                         queries: lookup.queried + retrieved.queried)
    }
}
