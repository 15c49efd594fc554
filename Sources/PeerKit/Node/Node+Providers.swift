/// Providers of files, BEP 5 style: found with `get_peers`, announced with `announce_peer`.
///
/// A provider is an HTTP address: the port announced is the announcing node's HTTP port,
/// so what `get_peers` returns can be downloaded from directly. Info hashes of files are
/// the first 20 bytes of their SHA-256, as BEP 52 puts BitTorrent v2's hashes in the DHT.
extension Node {
    /// Iterative `get_peers`: every provider announced under `infoHash` that the lookup
    /// meets, including those announced to this node, without duplicates.
    public func providers(of infoHash: InfoHash) async -> [NodeAddress] {
        var found = engine.announcedPeers.values(at: infoHash).compactMap { NodeAddress(compact: $0) }
        guard engine.table.count > 0 else { return found }
        let (batches, collector) = AsyncStream.makeStream(of: [NodeAddress].self)
        _ = await getPeers(infoHash) { peers in collector.yield(peers) }
        collector.finish()
        for await batch in batches { found += batch }
        var seen = Set<NodeAddress>()
        return found.filter { seen.insert($0).inserted }
    }

    /// Announces this node as a provider of `infoHash` at HTTP `port` on the K closest nodes
    /// that gave a token; returns how many acknowledged. From now on (for as long as an
    /// announcement lives) this node also lists itself when asked `get_peers` for it.
    @discardableResult
    public func announceProvider(of infoHash: InfoHash, port: UInt16) async -> Int {
        engine.providing[infoHash] = (port, now)
        guard engine.table.count > 0 else { return 0 }
        let lookup = await getPeers(infoHash) { _ in }
        let targets = lookup.closest.compactMap { responder in responder.reply.map { (responder.contact, $0) } }
        return await withTaskGroup(of: Bool.self) { group in
            for (contact, token) in targets {
                group.addTask {
                    let arguments: BencodeDictionary = ["info_hash": .bytes(infoHash.bytes), "port": .integer(Int64(port)),
                                                        "token": .bytes(token)]
                    if case .response = await self.query(.announcePeer, arguments, to: contact.address, expecting: contact.id) {
                        return true
                    }
                    return false
                }
            }
            var acknowledged = 0
            for await ok in group where ok { acknowledged += 1 }
            return acknowledged
        }
    }

    /// The `get_peers` traversal. Each responder's reply is its write token; the peers it
    /// lists are handed to `found` as they arrive, from every responder, not only the closest.
    private func getPeers(_ infoHash: InfoHash,
                          found: @escaping @Sendable ([NodeAddress]) -> Void) async -> TraversalResult<[UInt8]?> {
        await traverse(infoHash) { node, contact in
            let outcome = await node.query(.getPeers, ["info_hash": .bytes(infoHash.bytes)], to: contact.address,
                                           expecting: contact.id)
            guard case .response(_, let arguments) = outcome, let closer = try? arguments.contacts() else { return .failed }
            let peers = ((try? arguments.byteStrings("values")) ?? []).compactMap { NodeAddress(compact: $0) }
            if !peers.isEmpty { found(await node.allowed(peers)) }
            return .answered(closer: await node.allowed(closer), reply: try? arguments.bytes("token"))
        }
    }

    func allowed(_ addresses: [NodeAddress]) -> [NodeAddress] { addresses.filter(engine.isAllowed) }
}
