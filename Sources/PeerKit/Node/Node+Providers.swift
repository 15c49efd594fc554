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
        found += await lookUp(LookupRequest(kind: .getPeers, target: infoHash)).peers.compactMap { NodeAddress(compact: $0) }
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
        return await sendAnnouncements(infoHash, port: port).storedOn.count
    }

    /// Announces a BitTorrent peer of `infoHash` on the K closest nodes that gave a token, as a
    /// BitTorrent client does: at TCP `port`, or, without one, at the port the nodes see this
    /// node's UDP socket at (BEP 5 `implied_port`, which works behind a NAT).
    public func announce(_ infoHash: InfoHash, port: UInt16?) async throws(NodeError) -> StoreResult {
        guard engine.table.count > 0 else { throw .noPeers }
        let result = await sendAnnouncements(infoHash, port: port)
        guard !Task.isCancelled else { throw .cancelled }
        guard !result.storedOn.isEmpty else {
            throw .storeFailed("no node accepted the announcement (\(result.queries) queries)")
        }
        return result
    }

    private func sendAnnouncements(_ infoHash: InfoHash, port: UInt16?) async -> StoreResult {
        var arguments: BencodeDictionary = ["info_hash": .bytes(infoHash.bytes),
                                            "port": .integer(Int64(port ?? localAddress?.port ?? 1))]
        if port == nil { arguments["implied_port"] = 1 }
        let lookup = await lookUp(LookupRequest(kind: .getPeers, target: infoHash,
                                                then: RoundRequest(method: .announcePeer, arguments: arguments)))
        return StoreResult(storedOn: lookup.answers.map(\.contact), queries: lookup.queries)
    }

    /// BEP 51: asks the node at `address` for a sample of the info hashes announced to it.
    public func sampleInfohashes(at address: NodeAddress) async throws(NodeError) -> SampleResult {
        let target = NodeID.random(using: &engine.random)
        switch await query(.sampleInfohashes, ["target": .bytes(target.bytes)], to: address) {
        case .response(_, let arguments):
            let samples = (try? arguments.bytes("samples")) ?? []
            guard samples.count % NodeID.byteCount == 0 else {
                throw .unreachable("\(address) answered sample_infohashes with a malformed samples field")
            }
            let hashes = stride(from: 0, to: samples.count, by: NodeID.byteCount).compactMap {
                NodeID(bytes: samples[$0 ..< $0 + NodeID.byteCount])
            }
            let total = (try? arguments.optionalInteger("num", in: 0...Int64(Int32.max))) ?? nil
            let interval = (try? arguments.optionalInteger("interval", in: 0...Int64(Int32.max))) ?? nil
            return SampleResult(infoHashes: hashes, total: total.map(Int.init), interval: interval.map { .seconds($0) })
        case .error(let error) where MethodSupport.meansUnknown(error, to: Method.sampleInfohashes.rawValue):
            throw .unreachable("\(address) does not speak sample_infohashes (BEP 51): it answered \(error.description.printable)")
        case .error(let error):
            throw .unreachable("\(address) answered sample_infohashes with error \(error.description.printable)")
        case .timeout:
            throw .unreachable("no answer from \(address) to sample_infohashes after \(configuration.queryTimeout.components.seconds) s: "
                + "the node may not speak BEP 51 (jech/dht, Transmission and aria2c do not), or may be gone")
        case .cancelled:
            throw .cancelled
        }
    }
}
