/// Watching keys (`listen` and `notify`): a holder tells the nodes that listen to a key of each
/// new value stored under it, so that a watcher hears within a round trip, not at its next poll.
extension ProtocolEngine {
    /// `listen {id, key, token}` → `{id, values}`: registers the sender as a watcher of `key` for
    /// ``ListenRegistry/lifetime`` (renewed by listening again) and answers the values held now.
    /// The token proves the sender's address, so notifications go only where they were asked for.
    mutating func answerListen(_ query: InboundQuery, now: Timestamp) throws(KRPCError) -> BencodeDictionary {
        let key = try query.arguments.nodeID("key")
        try checkToken(query)
        guard listens.register(query.sender, for: key, now: now) else {
            throw .server("too many listens: your address holds \(ListenRegistry.perSource) already, or this node is full")
        }
        return ["values": .list(fitting(heldValues(at: key)))]
    }

    /// `notify {id, key, values}` → `{id}`: a holder tells of new values under a key this node
    /// listens to. The node hands them to its watches, which keep only those from the holders
    /// they listen to.
    mutating func answerNotify(_ query: InboundQuery) throws(KRPCError) -> BencodeDictionary {
        let key = try query.arguments.nodeID("key")
        let values = try query.arguments.byteStrings("values")
        output.heard.append((key, Array(values.prefix(64)), query.sender))
        return BencodeDictionary()
    }

    /// Tells the watchers of `key`, and this node's own watches, that `value` is new here.
    mutating func notifyWatchers(of key: NodeID, value: [UInt8], now: Timestamp) {
        output.heard.append((key, [value], nil))
        for watcher in listens.watchers(of: key, now: now) {
            _ = startQuery(Method.notify.rawValue, ["key": .bytes(key.bytes), "values": .list([.bytes(value)])],
                           to: watcher, purpose: .notification, now: now)
        }
    }
}
