import PeerKit

/// Introductions between file-sharing peers (`hello`), and the neighbours they leave.
///
/// `hello {id, port}` tells a node our HTTP port and asks for its own: both sides then
/// know each other as neighbours. It is sent on ``FileSharingPeer/join(_:)``, as the
/// seed's node said hello to the peer it was told about. A mainline node answers with
/// an error and is simply not a neighbour. The DHT core does not know the method: this
/// peer adds it to the node's handler table.
extension FileSharingPeer {
    /// The KRPC method's name.
    static let helloMethod = "hello"
    /// Neighbours kept at most: the oldest is forgotten to make room (btpeer's max-peers).
    static let maxNeighbours = 64

    /// Joins the DHT through `address` (``Node/join(_:)``), then says hello to that node.
    public func join(_ address: NodeAddress) async throws(NodeError) -> JoinResult {
        let result = try await node.join(address)
        await introduce(to: address)
        return result
    }

    /// The peers that introduced themselves, most recently seen first.
    func neighbours() -> [Neighbour] {
        neighbourTable.values.sorted { $0.lastSeen > $1.lastSeen }
    }

    /// Forgets a neighbour (one that stopped answering, or one the operator named); true if it was one.
    @discardableResult
    public func forgetNeighbour(_ id: NodeID) -> Bool {
        neighbourNames[id] = nil
        return neighbourTable.removeValue(forKey: id) != nil
    }

    /// Forgets the neighbours whose DHT or HTTP address `matches` (a `forget`, a ban); returns how many.
    @discardableResult
    public func forgetNeighbours(where matches: (NodeAddress) -> Bool) -> Int {
        let matching = neighbourTable.values.filter { matches($0.httpAddress) || matches($0.nodeAddress) }
        for neighbour in matching { forgetNeighbour(neighbour.id) }
        return matching.count
    }

    /// Adds `hello` to the node's methods: the answer carries our HTTP port, and a sender
    /// that gives its own becomes a neighbour.
    func registerHello() async {
        let port = Int64(httpPort)
        await node.register(Self.helloMethod) { [weak self] arguments, sender throws(KRPCError) in
            if let theirs = try arguments.optionalInteger("port", in: 1...65535), let self {
                let address = NodeAddress(host: sender.address.host, port: UInt16(theirs))
                Task { await self.recordNeighbour(sender.id, at: address, node: sender.address) }
            }
            return ["port": .integer(port)]
        }
    }

    /// Says hello to the node at `address`; it becomes a neighbour when it answers with its HTTP port.
    func introduce(to address: NodeAddress) async {
        let arguments: BencodeDictionary = ["port": .integer(Int64(httpPort))]
        guard case .response(let responder, let reply) = await node.query(Self.helloMethod, arguments, to: address),
              let port = try? reply.optionalInteger("port", in: 1...65535)
        else { return }
        recordNeighbour(responder.id, at: NodeAddress(host: address.host, port: UInt16(port)), node: address)
    }

    private func recordNeighbour(_ id: NodeID, at httpAddress: NodeAddress, node nodeAddress: NodeAddress) {
        guard id != node.id, node.configuration.allowLocalAddresses || !httpAddress.isLocal else { return }
        if neighbourTable[id] == nil, neighbourTable.count >= Self.maxNeighbours,
           let oldest = neighbourTable.values.min(by: { $0.lastSeen < $1.lastSeen }) {
            neighbourTable[oldest.id] = nil
        }
        neighbourTable[id] = Neighbour(id: id, httpAddress: httpAddress, nodeAddress: nodeAddress, lastSeen: ContinuousClock.now)
    }
}
