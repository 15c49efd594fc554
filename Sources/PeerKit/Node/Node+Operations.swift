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

    /// Iterative find_value: the K closest nodes that speak it, with their tokens and value counts.
    /// Nodes that do not (mainline nodes) route the lookup through find_node.
    func findValue(_ key: NodeID) async -> TraversalResult<FindValueReply> {
        await traverse(key, eligible: { (reply: FindValueReply) in reply.token != nil }) { node, contact -> TraversalAnswer<FindValueReply> in
            guard let answer = await node.routedQuery(.findValue, ["key": .bytes(key.bytes)], toward: key, to: contact)
            else { return .failed }
            let count = answer.arguments.flatMap { try? $0.optionalInteger("num", in: 0...Int64(Int32.max)) }
            let reply = FindValueReply(token: answer.arguments.flatMap { try? $0.bytes("token") }, valueCount: Int(count ?? 0))
            return .answered(closer: answer.closer, reply: reply)
        }
    }

    /// Asks `contact` a lookup's `method`. A node known not to speak it, or that refuses it as
    /// unknown now, is asked find_node toward `target` instead, so the lookup still goes through
    /// it: `arguments` is nil then. Nil when the node failed.
    func routedQuery(_ method: Method, _ arguments: BencodeDictionary, toward target: NodeID, to contact: Contact)
        async -> (closer: [Contact], arguments: Arguments?)? {
        if engine.methodSupport.speaks(method.rawValue, at: contact.address, now: now) {
            switch await query(method, arguments, to: contact.address, expecting: contact.id) {
            case .response(_, let answer):
                guard let closer = try? answer.contacts() else { return nil }
                return (allowed(closer), answer)
            case .error(let error) where MethodSupport.meansUnknown(error, to: method.rawValue):
                break
            default:
                return nil
            }
        }
        guard case .response(_, let answer) = await query(.findNode, ["target": .bytes(target.bytes)],
                                                          to: contact.address, expecting: contact.id),
              let closer = try? answer.contacts() else { return nil }
        return (allowed(closer), nil)
    }

    func traverse<Reply: Sendable>(
        _ target: NodeID, eligible: @escaping @Sendable (Reply) -> Bool = { _ in true },
        stop: @escaping @Sendable (Reply) -> Bool = { _ in false },
        query: @escaping @Sendable (Node, Contact) async -> TraversalAnswer<Reply>
    ) async -> TraversalResult<Reply> {
        engine.table.markLookedUp(target, now: now)
        let logger = engine.logger
        var traversal = Traversal(target: target, k: configuration.k, concurrency: configuration.concurrentRequests,
                                  roundTrips: lookupRoundTrips, clock: configuration.clock)
        traversal.lookedPast = { contact, waited in
            logger.debug("lookup looked past", metadata: ["node": "\(contact.address)", "waited ms": "\(Int(waited.inSeconds * 1000))"])
        }
        let seeds = engine.lookupSeeds(near: target, now: now)
        let started = now
        let result = await traversal.run(seeds: seeds, excluding: id, eligible: eligible, stop: stop) { contact in
            await query(self, contact)
        }
        metrics.recordLookup(took: now - started)
        for roundTrip in result.roundTrips { lookupRoundTrips.record(roundTrip) }
        return result
    }

    /// The contacts a lookup may query: allowed addresses, never this node's own (handed out
    /// under an old id of ours, it would be queried and counted as another node).
    func allowed(_ contacts: [Contact]) -> [Contact] {
        contacts.filter { engine.isPeerAddress($0.address) }
    }

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
        let lookup = await findValue(key)
        let (stored, queried) = await ValueLookup.store(to: lookup.tokens(\.token), redundancy: configuration.storeRedundancy) {
            contact, token in
            let arguments: BencodeDictionary = ["key": .bytes(key.bytes), "value": .bytes(value), "token": .bytes(token)]
            if case .response = await self.query(.storeValue, arguments, to: contact.address, expecting: contact.id) {
                return true
            }
            return false
        }
        return StoreResult(storedOn: stored, queries: lookup.queried + queried)
    }

    /// Asks the holders a find_value lookup found for their values under `key` (get_value).
    func retrieveValues(at key: NodeID, after lookup: TraversalResult<FindValueReply>) async
        -> (values: [[UInt8]], sources: Int, queried: Int) {
        await ValueLookup.retrieve(from: lookup.closest, policy: configuration.retrieveValues,
                                   storeRedundancy: configuration.storeRedundancy) { contact in
            let arguments: BencodeDictionary = ["key": .bytes(key.bytes), "num": 0]
            guard case .response(_, let reply) = await self.query(.getValue, arguments, to: contact.address,
                                                                  expecting: contact.id)
            else { return nil }
            return try? reply.byteStrings("values")
        }
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
        let retrieved = await retrieveValues(at: key, after: lookup)
        guard !Task.isCancelled else { throw .cancelled }
        merged.add(retrieved.values)
        return GetResult(values: merged.values, sources: retrieved.sources + (localCount > 0 ? 1 : 0),
                         queries: lookup.queried + retrieved.queried)
    }
}
