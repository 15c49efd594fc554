/// Lookups, as the node's operations see them: start one in the engine, await its one result.
extension Node {
    /// Runs a lookup (and the round it is for) in the engine and returns what it found. A
    /// cancelled caller gets what was found so far at once, marked ``LookupResult/cancelled``.
    func lookUp(_ request: LookupRequest) async -> LookupResult {
        guard !closed, !Task.isCancelled else { return LookupResult(cancelled: true) }
        let number = engine.startLookup(request, now: now)
        let result = await awaitLookup(number)
        if !result.cancelled { metrics.recordLookup(took: result.duration) }
        return result
    }

    /// Sends `round` to nodes an earlier lookup found, closest first (a mutable put, signed
    /// after the lookup that learned the highest seq).
    func send(_ round: RoundRequest, to candidates: [(contact: Contact, token: [UInt8])], target: NodeID) async
        -> LookupResult {
        guard !closed, !Task.isCancelled else { return LookupResult(cancelled: true) }
        let number = engine.startRound(round, to: candidates.map { ($0.contact, $0.token) }, target: target, now: now)
        return await awaitLookup(number)
    }

    private func awaitLookup(_ number: Int) async -> LookupResult {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lookupWaiting[number] = continuation
                process(engine.takeOutput())
            }
        } onCancel: {
            eventLoop.execute { self.assumeIsolated { $0.cancelLookup(number) } }
        }
    }

    private func cancelLookup(_ number: Int) {
        guard let continuation = lookupWaiting.removeValue(forKey: number) else { return }
        continuation.resume(returning: engine.cancelLookup(number, now: now) ?? LookupResult(cancelled: true))
    }

    /// Iterative find_node: the K closest nodes to `target` that answered.
    public func lookup(_ target: NodeID) async -> [Contact] {
        await findNodes(near: target).closest.map(\.contact)
    }

    func findNodes(near target: NodeID) async -> LookupResult {
        await lookUp(LookupRequest(kind: .findNode, target: target))
    }

    /// Iterative find_value: the K closest nodes that speak it, with their tokens and values,
    /// then `round`, if any. Nodes that do not (mainline nodes) route the lookup through find_node.
    func findValue(_ key: NodeID, then round: RoundRequest? = nil) async -> LookupResult {
        await lookUp(LookupRequest(kind: .findValue(configuration.retrieveValues), target: key, then: round))
    }
}
