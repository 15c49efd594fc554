/// BEP 44 on the network: put and get immutable and mutable items.
extension Node {
    /// Puts an immutable item holding `value` (bencoded, at most 1,000 bytes) on the closest
    /// nodes to its target that accept it, and keeps putting it while the node runs.
    public func putImmutable(_ value: [UInt8]) async throws(NodeError) -> PutResult {
        try await put(Item(immutable: value), lookedUp: nil)
    }

    /// Signs `value` (bencoded) with this node's key under `salt` and puts it. Without
    /// `sequence`, the next one after the highest this node put or the network holds. With
    /// `cas`, nodes holding another sequence number refuse it (BEP 44 compare-and-swap).
    public func putMutable(_ value: [UInt8], salt: [UInt8] = [], sequence: Int64? = nil,
                           cas: Int64? = nil) async throws(NodeError) -> PutResult {
        guard salt.count <= Item.maxSaltSize else {
            throw .storeFailed("the salt is \(salt.count) bytes, the limit is \(Item.maxSaltSize)")
        }
        let publicKey = itemPublicKey
        let target = Item.target(publicKey: publicKey, salt: salt)
        try checkItemSize(value)
        guard engine.table.count > 0 else { throw .noPeers }
        let lookup = await findItem(target, publicKey: publicKey, salt: salt)
        let held = ItemLookup.newest(lookup.closest.compactMap(\.reply.item) + [engine.publishedItem(at: target)].compactMap { $0 })
        let next = sequence ?? ((held?.signature?.sequence ?? 0) + 1)
        guard next >= 0 else { throw .storeFailed("seq must not be negative") }
        let item: Item
        do {
            item = try Item(value: value, salt: salt, sequence: next, signedWith: signingKey)
        } catch {
            throw .storeFailed("cannot sign the item: \(error)")
        }
        return try await put(item, cas: cas, lookedUp: lookup)
    }

    /// Reads the item under `target`: immutable items that hash to it, and mutable ones whose
    /// key and salt hash to it and whose signature verifies; of those, the highest `seq`.
    /// For a mutable item give its `publicKey` (and `salt`); without one, only an item without
    /// salt can be checked against a bare target.
    public func getItem(_ target: NodeID, publicKey: [UInt8]? = nil, salt: [UInt8] = []) async throws(NodeError)
        -> ItemResult {
        let own = engine.publishedItem(at: target)
        let held = engine.storedItem(at: target).flatMap { ItemLookup.verified($0, target: target, publicKey: publicKey, salt: salt) }
        let local = [own, held].compactMap { $0 }
        guard engine.table.count > 0 else {
            if local.isEmpty { throw .noPeers }
            return ItemResult(item: ItemLookup.newest(local), sources: 1, queries: 0)
        }
        let lookup = await findItem(target, publicKey: publicKey, salt: salt, untilFound: publicKey == nil)
        guard !lookup.cancelled, !Task.isCancelled else { throw .cancelled }
        var responders = lookup.closest
        if let stopper = lookup.stoppedBy, !responders.contains(where: { $0.contact.id == stopper.contact.id }) {
            responders.append(stopper)
        }
        let found = responders.compactMap(\.reply.item)
        let sources = found.count + (local.isEmpty ? 0 : 1)
        return ItemResult(item: ItemLookup.newest(found + local), sources: sources, queries: lookup.queried)
    }

    private func checkItemSize(_ value: [UInt8]) throws(NodeError) {
        guard value.count <= Item.maxValueSize else {
            throw .valueTooBig(size: value.count, limit: Item.maxValueSize)
        }
    }

    /// Sends `put` to the closest nodes that gave a token (all K of them, as BEP 44 asks) and
    /// remembers the item, to put it again before it expires. `lookedUp`: the lookup that
    /// found them, when the caller ran one already; else the put looks them up first.
    func put(_ item: Item, cas: Int64? = nil, lookedUp: LookupResult?) async throws(NodeError) -> PutResult {
        try checkItemSize(item.value)
        guard engine.table.count > 0 else { throw .noPeers }
        guard let value = try? engine.decoder.decode(item.value) else {
            throw .storeFailed("the value is not bencoded")
        }
        var arguments: BencodeDictionary = ["v": value]
        if let signature = item.signature {
            arguments["k"] = .bytes(signature.publicKey)
            arguments["seq"] = .integer(signature.sequence)
            arguments["sig"] = .bytes(signature.signature)
            if !signature.salt.isEmpty { arguments["salt"] = .bytes(signature.salt) }
            if let cas { arguments["cas"] = .integer(cas) }
        }
        let round = RoundRequest(method: .putItem, arguments: arguments, redundancy: configuration.k)
        let result: LookupResult, holders: Int, queries: Int
        if let lookedUp {
            result = await send(round, to: lookedUp.tokenHolders, target: item.target)
            (holders, queries) = (lookedUp.tokenHolders.count, lookedUp.queried + result.roundQueried)
        } else {
            result = await findItem(item.target, then: round)
            (holders, queries) = (result.tokenHolders.count, result.queries)
        }
        guard !result.cancelled, !Task.isCancelled else { throw .cancelled }
        guard !result.answers.isEmpty else {
            throw .storeFailed("no node accepted the item (\(queries) queries): "
                + (holders == 0 ? "none of the closest nodes speaks BEP 44" : "every node that was asked refused it"))
        }
        engine.recordPublished(item, now: now)
        return PutResult(target: item.target, sequence: item.signature?.sequence, storedOn: result.answers.map(\.contact),
                         queries: queries)
    }

    /// Iterative BEP 44 `get`: the K closest nodes, with their tokens and the items they hold,
    /// each checked against the target (and the key and salt, for a mutable one), then `round`.
    /// With `untilFound`, the lookup ends at the first immutable item that hashes to the target.
    func findItem(_ target: NodeID, publicKey: [UInt8]? = nil, salt: [UInt8] = [], untilFound: Bool = false,
                  then round: RoundRequest? = nil) async -> LookupResult {
        await lookUp(LookupRequest(kind: .getItem(publicKey: publicKey, salt: salt, untilFound: untilFound),
                                   target: target, then: round))
    }
}
