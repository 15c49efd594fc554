/// The answers to inbound queries: BEP 5's methods, Khashmir's store, BEP 44 and 51 (in
/// `ProtocolEngine+Items`), and those registered from outside.
extension ProtocolEngine {
    /// Dispatches a query to its method's handler. A method nobody handles is answered with 204.
    mutating func handle(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        switch query.method {
        case Method.ping.rawValue: return BencodeDictionary()
        case Method.findNode.rawValue: return closeNodes(to: try query.arguments.nodeID("target"), for: query, now: now)
        case Method.getPeers.rawValue: return try answerGetPeers(query, now: now)
        case Method.announcePeer.rawValue: return try answerAnnouncePeer(query, now: now)
        case Method.findValue.rawValue: return try answerFindValue(query, now: now)
        case Method.getValue.rawValue: return try answerGetValue(query)
        case Method.storeValue.rawValue: return try answerStoreValue(query, now: now)
        case Method.deleteValue.rawValue: return try answerDeleteValue(query)
        case Method.listen.rawValue: return try answerListen(query, now: now)
        case Method.notify.rawValue: return try answerNotify(query)
        case Method.getItem.rawValue: return try answerGetItem(query, now: now)
        case Method.putItem.rawValue: return try answerPutItem(query, now: now)
        case Method.sampleInfohashes.rawValue: return try answerSampleInfohashes(query, now: now)
        default:
            guard let handler = extensionHandlers[query.method] else { throw .methodUnknown(query.method) }
            return try handler(query.arguments, Contact(id: query.senderID, address: query.sender))
        }
    }

    /// `nodes` and/or `nodes6` closest to `target`, by the families the requester wants (BEP 32 `want`),
    /// or else by the family it asked from. Only good nodes: a departed node is never handed out.
    func closeNodes(to target: NodeID, for query: InboundQuery, now: Timestamp) -> BencodeDictionary {
        let want = (try? query.arguments.byteStrings("want")) ?? []
        let wantIPv4 = want.isEmpty ? query.sender.isIPv4 : want.contains(Array("n4".utf8))
        let wantIPv6 = want.isEmpty ? !query.sender.isIPv4 : want.contains(Array("n6".utf8))
        var response = BencodeDictionary()
        for (key, ipv4, wanted) in [("nodes", true, wantIPv4), ("nodes6", false, wantIPv6)] where wanted {
            var compact: [UInt8] = []
            for entry in table.closest(to: target, count: configuration.k,
                                       where: { $0.address.isIPv4 == ipv4 && isGood($0, now: now) }) {
                compact += entry.contact.compact
            }
            response[key] = .bytes(compact)
        }
        return response
    }

    private mutating func answerGetPeers(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let infoHash: InfoHash = try query.arguments.nodeID("info_hash")
        var response = closeNodes(to: infoHash, for: query, now: now)
        response["token"] = .bytes(tokens.token(for: query.sender))
        var peers = announcedPeers.values(at: infoHash).shuffled(using: &random)
        if let own = ownProviderAddress(of: infoHash, for: query.sender, now: now) {
            peers.removeAll { $0 == own.compact }
            peers.insert(own.compact, at: 0)
        }
        if !peers.isEmpty { response["values"] = .list(fitting(peers)) }
        return response
    }

    /// Where `asker` can reach this node as a provider of `infoHash`: a loopback address for a
    /// loopback asker, else the address the socket is bound to, else the address other nodes
    /// see (BEP 42 votes); nil when this node does not provide it or knows no such address.
    func ownProviderAddress(of infoHash: InfoHash, for asker: NodeAddress, now: Timestamp) -> NodeAddress? {
        guard let provided = providing[infoHash], now - provided.at <= configuration.peerExpire else { return nil }
        let host: NodeAddress.Host?
        if asker.isLoopback {
            host = asker.isIPv4 ? .ipv4(0x7F00_0001) : .ipv6(0, 1)
        } else if let bound = stats.localAddress, !bound.isUnspecified, !bound.isLoopback {
            host = bound.host
        } else {
            host = externalAddress?.host
        }
        return host.map { NodeAddress(host: $0, port: provided.port) }
    }

    private mutating func answerAnnouncePeer(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let infoHash: InfoHash = try query.arguments.nodeID("info_hash")
        let impliedPort = try query.arguments.optionalInteger("implied_port", in: 0...1) == 1
        let port = impliedPort ? Int64(query.sender.port) : try query.arguments.integer("port", in: 1...65535)
        try checkToken(query)
        let peer = NodeAddress(host: query.sender.host, port: UInt16(port))
        let outcome = announcedPeers.store(peer.compact, at: infoHash, from: query.sender.source, now: now)
        try counted(outcome)
        return BencodeDictionary()
    }

    /// `find_value` → `{nodes, token, num, values}`: the values come with the answer, as many as
    /// fit beside the nodes in one datagram, so a get needs no second query to most holders;
    /// `num` says how many there are in all.
    private func answerFindValue(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let key = try query.arguments.nodeID("key")
        var response = closeNodes(to: key, for: query, now: now)
        let nodesSize = (response["nodes"]?.bytesValue?.count ?? 0) + (response["nodes6"]?.bytesValue?.count ?? 0)
        response["token"] = .bytes(tokens.token(for: query.sender))
        let values = heldValues(at: key)
        response["num"] = .integer(Int64(values.count))
        let carried = fitting(values, besides: nodesSize + 40)
        if !carried.isEmpty { response["values"] = .list(carried) }
        return response
    }

    /// The values this node answers for `key`: those stored here, and its own (a first node's
    /// values, kept here until it has peers, are found this way).
    func heldValues(at key: NodeID) -> [[UInt8]] {
        let stored = storedValues.values(at: key)
        let own = publishedValues.values(at: key).filter { !storedValues.contains($0, at: key) }
        return stored + own
    }

    private mutating func answerGetValue(_ query: InboundQuery) throws(KRPCError) -> BencodeDictionary {
        let key = try query.arguments.nodeID("key")
        let wanted = Int(try query.arguments.optionalInteger("num", in: 0...Int64(Int32.max)) ?? 0)
        var values = heldValues(at: key)
        if wanted > 0 { values = Array(values.shuffled(using: &random).prefix(wanted)) }
        var response = BencodeDictionary()
        response["values"] = .list(fitting(values))
        return response
    }

    private mutating func answerStoreValue(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let key = try query.arguments.nodeID("key")
        let value = try query.arguments.bytes("value")
        try checkToken(query)
        guard value.count <= configuration.maxValueSize else {
            throw .valueTooBig(value.count, limit: configuration.maxValueSize)
        }
        let isNew = !storedValues.contains(value, at: key)
        let outcome = storedValues.store(value, at: key, from: query.sender.source, now: now)
        output.valueChanges += outcome.evicted.map { .delete($0, from: .stored) }
        try counted(outcome)
        if isNew { notifyWatchers(of: key, value: value, now: now) }
        output.valueChanges.append(.save(.init(key: key, value: value, refreshedAt: now, source: query.sender.source),
                                         in: .stored))
        return BencodeDictionary()
    }

    /// `delete_value {id, key, values, token}` → `{id, removed}`: drops the listed values under
    /// the key that the sender's source stored, and no other source's. The token proves the
    /// sender's address, as for a store, so a forged source cannot withdraw another's values.
    private mutating func answerDeleteValue(_ query: InboundQuery) throws(KRPCError) -> BencodeDictionary {
        let key = try query.arguments.nodeID("key")
        let values = try query.arguments.byteStrings("values")
        try checkToken(query)
        let removed = values.prefix(64).compactMap { storedValues.remove($0, at: key, storedBy: query.sender.source) }
        output.valueChanges += removed.map { .delete($0, from: .stored) }
        stats.valuesWithdrawn += removed.count
        return ["removed": .integer(Int64(removed.count))]
    }

    /// Counts what a store pushed out, and refuses it (202) when it found no room.
    mutating func counted(_ outcome: ValueStore.Outcome) throws(KRPCError) {
        stats.valuesEvicted += outcome.evicted.count
        guard outcome.stored else {
            stats.storesRefused += 1
            throw .server("storage full: your address holds the most here already")
        }
    }

    func checkToken(_ query: InboundQuery) throws(KRPCError) {
        let token = try query.arguments.bytes("token")
        guard tokens.isValid(token, for: query.sender) else { throw .protocolError("invalid token") }
    }

    /// As many of `values` as fit in one response datagram beside `besides` bytes of other
    /// fields (Khashmir's "shortened a long packet").
    func fitting(_ values: [[UInt8]], besides: Int = 0) -> [Bencode] {
        var budget = configuration.maxDatagramSize - 160 - besides
        var result: [Bencode] = []
        for value in values {
            let cost = value.count + String(value.count).utf8.count + 1
            guard cost <= budget else { break }
            budget -= cost
            result.append(.bytes(value))
        }
        return result
    }
}
