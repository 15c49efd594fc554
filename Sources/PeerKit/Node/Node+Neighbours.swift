/// Introductions between file-sharing peers (`hello`), and the neighbours they leave.
///
/// `hello {id, port}` tells a node our HTTP port and asks for its own: both sides then
/// know each other as neighbours. It is sent on `join`, as the seed's node said hello to
/// the peer it was told about. A mainline node answers with an error and is simply not a
/// neighbour.
extension Node {
    /// Neighbours kept at most: the oldest is forgotten to make room (btpeer's max-peers).
    static let maxNeighbours = 64

    /// The peers that introduced themselves, most recently seen first.
    public func neighbours() -> [Neighbour] {
        neighbourTable.values.sorted { $0.lastSeen > $1.lastSeen }
    }

    /// Forgets a neighbour that stopped answering.
    public func forgetNeighbour(_ id: NodeID) {
        neighbourTable[id] = nil
    }

    /// Tells the rest of the network which TCP port this node serves HTTP on; sent in `hello`.
    public func advertise(httpPort: UInt16) {
        self.httpPort = httpPort
    }

    /// Says hello to the node at `address`; it becomes a neighbour when it answers with its HTTP port.
    func introduce(to address: NodeAddress) async {
        var arguments = BencodeDictionary()
        if let httpPort { arguments["port"] = .integer(Int64(httpPort)) }
        guard case .response(let responder, let reply) = await query(.hello, arguments, to: address, expecting: nil),
              let port = try? reply.optionalInteger("port", in: 1...65535)
        else { return }
        recordNeighbour(responder.id, at: NodeAddress(host: address.host, port: UInt16(port)))
    }

    func answerHello(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) -> BencodeDictionary {
        if let port = try arguments.optionalInteger("port", in: 1...65535) {
            recordNeighbour(context.senderID, at: NodeAddress(host: context.sender.host, port: UInt16(port)))
        }
        var response = BencodeDictionary()
        if let httpPort { response["port"] = .integer(Int64(httpPort)) }
        return response
    }

    private func recordNeighbour(_ id: NodeID, at httpAddress: NodeAddress) {
        guard id != self.id, isAllowed(httpAddress) else { return }
        if neighbourTable[id] == nil, neighbourTable.count >= Self.maxNeighbours,
           let oldest = neighbourTable.values.min(by: { $0.lastSeen < $1.lastSeen }) {
            neighbourTable[oldest.id] = nil
        }
        neighbourTable[id] = Neighbour(id: id, httpAddress: httpAddress, lastSeen: now)
    }
}
