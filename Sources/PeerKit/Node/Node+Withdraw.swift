/// Withdrawing this node's own values: `unstore`.
extension Node {
    /// Stops republishing this node's value(s) under `key` (all of them, or only `value`), drops
    /// them here, and asks the nodes closest to the key to drop their copies. A holder drops a
    /// value only when the source that stored it asks (``ProtocolEngine``'s `delete_value`);
    /// nodes that do not speak it (mainline nodes) keep their copies until they expire.
    ///
    /// - Throws: ``NodeError/notFound(_:)`` when this node published no such value.
    public func unstore(_ key: NodeID, value: [UInt8]? = nil) async throws(NodeError) -> UnstoreResult {
        let own = engine.publishedValues.values(at: key).filter { value == nil || $0 == value }
        guard !own.isEmpty else {
            throw .notFound(value == nil ? "this node stored no value under that key: 'values' lists what it holds"
                                         : "this node stored no such value under that key: 'values KEY' lists them")
        }
        engine.withdraw(own, at: key)
        process(engine.takeOutput())
        guard engine.table.count > 0 else { return UnstoreResult(values: own, droppedBy: [], asked: 0, queries: 0) }
        let withdrawal = RoundRequest(method: .deleteValue,
                                      arguments: ["key": .bytes(key.bytes), "values": .list(own.map { .bytes($0) })])
        let lookup = await findValue(key, then: withdrawal)
        guard !lookup.cancelled, !Task.isCancelled else { throw .cancelled }
        let dropped = lookup.answers.filter { answer in
            ((try? answer.arguments.optionalInteger("removed", in: 0...Int64(Int32.max))) ?? 0) > 0
        }.map(\.contact)
        return UnstoreResult(values: own, droppedBy: dropped, asked: lookup.roundQueried, queries: lookup.queries)
    }
}
