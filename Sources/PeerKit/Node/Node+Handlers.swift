/// Who sent a query: the socket's address (never the message's claim) and the id it gave.
struct QueryContext: Sendable {
    let sender: NodeAddress
    let senderID: NodeID
}

/// The answers to inbound queries, one handler per KRPC method.
extension Node {
    typealias QueryHandler = @Sendable (isolated Node, Arguments, QueryContext) throws(KRPCError) -> BencodeDictionary

    /// The handler table, keyed by method name. A method not listed here is answered with 204.
    static let queryHandlers: [String: QueryHandler] = [
        Method.ping.rawValue: { (_, _, _) throws(KRPCError) in BencodeDictionary() },
        Method.findNode.rawValue: { (node, arguments, context) throws(KRPCError) in
            node.closeNodes(to: try arguments.nodeID("target"), arguments, context)
        },
        Method.getPeers.rawValue: { (node, arguments, context) throws(KRPCError) in try node.answerGetPeers(arguments, context) },
        Method.announcePeer.rawValue: { (node, arguments, context) throws(KRPCError) in try node.answerAnnouncePeer(arguments, context) },
        Method.findValue.rawValue: { (node, arguments, context) throws(KRPCError) in try node.answerFindValue(arguments, context) },
        Method.getValue.rawValue: { (node, arguments, context) throws(KRPCError) in try node.answerGetValue(arguments, context) },
        Method.storeValue.rawValue: { (node, arguments, context) throws(KRPCError) in try node.answerStoreValue(arguments, context) },
        Method.hello.rawValue: { (node, arguments, context) throws(KRPCError) in try node.answerHello(arguments, context) },
    ]

    /// `nodes` and/or `nodes6` closest to `target`, by the families the requester wants (BEP 32 `want`),
    /// or else by the family it asked from.
    func closeNodes(to target: NodeID, _ arguments: Arguments, _ context: QueryContext) -> BencodeDictionary {
        let want = (try? arguments.byteStrings("want")) ?? []
        let wantIPv4 = want.isEmpty ? context.sender.isIPv4 : want.contains(Array("n4".utf8))
        let wantIPv6 = want.isEmpty ? !context.sender.isIPv4 : want.contains(Array("n6".utf8))
        var response = BencodeDictionary()
        for (key, ipv4, wanted) in [("nodes", true, wantIPv4), ("nodes6", false, wantIPv6)] where wanted {
            var compact: [UInt8] = []
            for entry in table.closest(to: target, count: configuration.bucketSize, where: { $0.address.isIPv4 == ipv4 }) {
                compact += entry.contact.compact
            }
            response[key] = .bytes(compact)
        }
        return response
    }

    private func answerGetPeers(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) -> BencodeDictionary {
        let infoHash = try arguments.nodeID("info_hash")
        var response = closeNodes(to: infoHash, arguments, context)
        response["token"] = .bytes(tokens.token(for: context.sender))
        let peers = announcedPeers.values(at: infoHash)
        if !peers.isEmpty { response["values"] = .list(fitting(peers.shuffled(using: &random))) }
        return response
    }

    private func answerAnnouncePeer(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) -> BencodeDictionary {
        let infoHash = try arguments.nodeID("info_hash")
        let impliedPort = try arguments.optionalInteger("implied_port", in: 0...1) == 1
        let port = impliedPort ? Int64(context.sender.port) : try arguments.integer("port", in: 1...65535)
        try checkToken(arguments, context)
        let peer = NodeAddress(host: context.sender.host, port: UInt16(port))
        announcedPeers.store(peer.compact, at: infoHash, now: now)
        return BencodeDictionary()
    }

    private func answerFindValue(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) -> BencodeDictionary {
        let key = try arguments.nodeID("key")
        var response = closeNodes(to: key, arguments, context)
        response["token"] = .bytes(tokens.token(for: context.sender))
        response["num"] = .integer(Int64(storedValues.count(at: key)))
        return response
    }

    private func answerGetValue(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) -> BencodeDictionary {
        let key = try arguments.nodeID("key")
        let wanted = Int(try arguments.optionalInteger("num", in: 0...Int64(Int32.max)) ?? 0)
        var values = storedValues.values(at: key)
        if wanted > 0 { values = Array(values.shuffled(using: &random).prefix(wanted)) }
        var response = BencodeDictionary()
        response["values"] = .list(fitting(values))
        return response
    }

    private func answerStoreValue(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) -> BencodeDictionary {
        let key = try arguments.nodeID("key")
        let value = try arguments.bytes("value")
        try checkToken(arguments, context)
        guard value.count <= configuration.maxValueSize else {
            throw .valueTooBig(value.count, limit: configuration.maxValueSize)
        }
        let refreshedAt = now
        guard storedValues.store(value, at: key, now: refreshedAt) else { throw .server("storage full") }
        database.saveValue(.init(key: key, value: value, refreshedAt: refreshedAt), in: .stored,
                           onError: storageErrorLogger)
        return BencodeDictionary()
    }

    private func checkToken(_ arguments: Arguments, _ context: QueryContext) throws(KRPCError) {
        let token = try arguments.bytes("token")
        guard tokens.isValid(token, for: context.sender) else { throw .protocolError("invalid token") }
    }

    /// As many of `values` as fit in one response datagram (Khashmir's "shortened a long packet").
    private func fitting(_ values: [[UInt8]]) -> [Bencode] {
        var budget = configuration.maxDatagramSize - 160
        var result: [Bencode] = []
        for value in values {
            let cost = value.count + String(value.count).utf8.count + 1
            guard cost <= budget else { break }
            budget -= cost
            result.append(.bytes(value))
        }
        return result
    }

    nonisolated var storageErrorLogger: @Sendable (Error) -> Void {
        { [logger] error in logger.error("database write failed", metadata: ["error": "\(error)"]) }
    }
}
