/// BEP 44's `get` and `put`, checked in libtorrent's order with its error codes, and BEP 51's
/// `sample_infohashes`.
extension ProtocolEngine {
    /// The item held under `target`, if any.
    func storedItem(at target: NodeID) -> Item? {
        storedItems.values(at: target).first.flatMap(Item.init(storageBytes:))
    }

    /// `get`: a token and the closest nodes always; the item when one is held. For a mutable
    /// item `seq` always, and `k`, `sig` and `v` only when the asker's `seq` is lower.
    mutating func answerGetItem(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let target = try query.arguments.nodeID("target")
        let askedSequence = try query.arguments.optionalInteger("seq", in: Int64.min ... Int64.max)
        var response = closeNodes(to: target, for: query, now: now)
        response["token"] = .bytes(tokens.token(for: query.sender))
        guard let item = storedItem(at: target), let value = try? decoder.decode(item.value) else { return response }
        guard let signature = item.signature else {
            response["v"] = value
            return response
        }
        response["seq"] = .integer(signature.sequence)
        if askedSequence.map({ $0 < signature.sequence }) ?? true {
            response["k"] = .bytes(signature.publicKey)
            response["sig"] = .bytes(signature.signature)
            response["v"] = value
        }
        return response
    }

    /// `put`: `v` (205 when too big), the salt (207), the token (203), the mutable fields (203 unless
    /// `k`, `seq` and `sig` come together and are well formed), the signature (206), `cas` (301) and
    /// `seq` (302). An equal `seq` refreshes the item held without replacing it.
    mutating func answerPutItem(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let arguments = query.arguments
        guard let bencodedValue = arguments.dictionary["v"] else { throw .protocolError("v is missing") }
        let value = bencodedValue.encoded()
        guard value.count <= Item.maxValueSize else { throw .valueTooBig(value.count, limit: Item.maxValueSize) }
        let salt = try arguments.optionalBytes("salt") ?? []
        guard salt.count <= Item.maxSaltSize else { throw .saltTooBig(salt.count) }
        try checkToken(query)
        let item = try Self.item(value: value, salt: salt, arguments)
        var kept = item
        if let held = storedItem(at: item.target), let heldSignature = held.signature, let signature = item.signature {
            if let cas = try arguments.optionalInteger("cas", in: Int64.min ... Int64.max), cas != heldSignature.sequence {
                throw .casMismatch(stored: heldSignature.sequence)
            }
            guard signature.sequence >= heldSignature.sequence else {
                throw .sequenceTooLow(stored: heldSignature.sequence)
            }
            if signature.sequence == heldSignature.sequence { kept = held }
        }
        try keep(kept, from: query.sender.source, now: now)
        return BencodeDictionary()
    }

    /// The item a put describes: immutable without `k`, `seq` and `sig`, mutable with all three.
    private static func item(value: [UInt8], salt: [UInt8], _ arguments: Arguments) throws(KRPCError) -> Item {
        let key = try arguments.optionalBytes("k"), signature = try arguments.optionalBytes("sig")
        let sequence = try arguments.optionalInteger("seq", in: Int64.min ... Int64.max)
        switch (key, sequence, signature) {
        case (nil, nil, nil):
            return Item(immutable: value)
        case let (key?, sequence?, signature?):
            guard key.count == 32 else { throw .protocolError("k must be a 32-byte ed25519 public key") }
            guard signature.count == 64 else { throw .protocolError("sig must be a 64-byte ed25519 signature") }
            guard sequence >= 0 else { throw .protocolError("seq must not be negative") }
            let item = Item(value: value, signature: .init(publicKey: key, salt: salt, sequence: sequence,
                                                           signature: signature))
            guard item.hasValidSignature else { throw .invalidSignature }
            return item
        default:
            throw .protocolError("a mutable put needs k, seq and sig together")
        }
    }

    /// Holds `item` in place of whatever its target held, charged to `source` under the quota.
    private mutating func keep(_ item: Item, from source: ValueStore.Source, now: Timestamp) throws(KRPCError) {
        let bytes = item.storageBytes
        let replaced = storedItems.contains(bytes, at: item.target) ? [] : storedItems.removeAll(at: item.target)
        let outcome = storedItems.store(bytes, at: item.target, from: source, now: now)
        if !outcome.stored {
            for record in replaced { storedItems.store(record.value, at: record.key, from: record.source, now: record.refreshedAt) }
        } else {
            output.valueChanges += replaced.map { .delete($0, from: .items) }
        }
        output.valueChanges += outcome.evicted.map { .delete($0, from: .items) }
        try counted(outcome)
        output.valueChanges.append(.save(.init(key: item.target, value: bytes, refreshedAt: now, source: source),
                                         in: .items))
    }

    /// BEP 51: up to 20 of the info hashes peers announced here, and the closest nodes to `target`.
    mutating func answerSampleInfohashes(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        var response = closeNodes(to: try query.arguments.nodeID("target"), for: query, now: now)
        let keys = announcedPeers.keys
        let samples = keys.count <= Self.maxSamples ? keys : Array(keys.shuffled(using: &random).prefix(Self.maxSamples))
        response["samples"] = .bytes(samples.flatMap(\.bytes))
        response["num"] = .integer(Int64(keys.count))
        response["interval"] = .integer(Int64(Self.sampleInterval.components.seconds))
        return response
    }

    /// Info hashes a `sample_infohashes` answer holds at most (libtorrent's 20).
    static let maxSamples = 20
    /// How long a sampler is asked to wait before asking again (libtorrent's six hours).
    static let sampleInterval: Duration = .seconds(6 * 3600)
}
