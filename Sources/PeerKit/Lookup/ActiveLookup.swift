/// A lookup the engine is running: its traversal, then the round it was for, and what it
/// gathered on the way. Pure state; the engine sends its queries and feeds it their outcomes.
struct ActiveLookup: Sendable {
    let request: LookupRequest
    let startedAt: Timestamp
    /// The traversal; nil for a round sent to nodes an earlier lookup found.
    var traversal: Traversal?
    /// The round, once the traversal has ended (or from the start, without one).
    var round: QueryRound?
    var result = LookupResult()
    /// Every peer listed so far (`get_peers`), and the values seen so far (an ``RetrieveValues/atMost(_:)`` get).
    private var peersSeen: Set<[UInt8]> = []
    private var valuesSeen: ValueMerger

    init(_ request: LookupRequest, traversal: Traversal?, startedAt: Timestamp) {
        self.request = request
        self.traversal = traversal
        self.startedAt = startedAt
        if case .findValue(let policy) = request.kind { valuesSeen = ValueMerger(limit: policy.limit) }
        else { valuesSeen = ValueMerger(limit: 0) }
    }

    /// What an answer to the traversal's query means: the closer nodes and the reply, whether
    /// the node can serve the operation, and whether the answer ends the lookup. `routed`: the
    /// node was asked `find_node` instead (it does not speak the lookup's method). Nil when
    /// the answer is malformed, which counts as a failure.
    mutating func read(_ answer: Arguments, routed: Bool, allowed: (NodeAddress) -> Bool)
        -> (closer: [Contact], reply: LookupReply, eligible: Bool, stops: Bool)? {
        guard let closer = try? answer.contacts() else { return nil }
        let token = routed ? nil : try? answer.bytes("token")
        var reply = LookupReply(token: token)
        var stops = false
        switch request.kind {
        case .findNode:
            return (closer, reply, true, false)
        case .findValue(let policy):
            guard !routed else { return (closer, reply, false, false) }
            reply.valueCount = Int((try? answer.optionalInteger("num", in: 0...Int64(Int32.max))) ?? 0)
            reply.values = (try? answer.byteStrings("values")) ?? []
            if case .atMost = policy, token != nil {
                valuesSeen.add(reply.values)
                stops = valuesSeen.isFull
            }
        case .getPeers:
            reply.values = ((try? answer.byteStrings("values")) ?? []).filter { compact in
                NodeAddress(compact: compact).map(allowed) ?? false
            }
            for peer in reply.values where peersSeen.insert(peer).inserted { result.peers.append(peer) }
            return (closer, reply, true, false)
        case .getItem(let publicKey, let salt, let untilFound):
            guard !routed else { return (closer, reply, false, false) }
            reply.item = ItemLookup.item(in: answer).flatMap {
                ItemLookup.verified($0, target: request.target, publicKey: publicKey, salt: salt)
            }
            stops = untilFound && reply.item.map { !$0.isMutable } == true
        }
        return (closer, reply, reply.token != nil, stops)
    }

    /// Ends the traversal: fills in the result, and returns the round to send next, with its
    /// candidates, if the lookup has one and found any.
    mutating func endTraversal(storeRedundancy: Int) -> QueryRound? {
        guard let traversal else { return nil }
        result.closest = traversal.closest
        result.stoppedBy = traversal.stoppedBy
        result.queried = traversal.queried
        result.failed = traversal.failed
        result.lookedPast = traversal.lookedPast
        if case .findValue(let policy) = request.kind { collectValues(policy: policy, storeRedundancy: storeRedundancy) }
        guard let then = request.then else { return nil }
        let candidates: [(contact: Contact, token: [UInt8]?)]
        switch then.targets {
        case .tokenHolders:
            candidates = result.tokenHolders.map { ($0.contact, $0.token) }
        case .holdersOfMoreValues:
            guard case .findValue(let policy) = request.kind, !valuesSeen.isFull else { return nil }
            candidates = ValueLookup.holdersOfMoreValues(in: result.closest, policy: policy,
                                                         storeRedundancy: storeRedundancy).map { ($0, nil) }
        }
        return candidates.isEmpty ? nil : QueryRound(then, to: candidates)
    }

    private mutating func collectValues(policy: RetrieveValues, storeRedundancy: Int) {
        if case .atMost = policy {
            result.values = valuesSeen.values
            return
        }
        for holder in ValueLookup.holders(in: result.closest, policy: policy, storeRedundancy: storeRedundancy) {
            valuesSeen.add(holder.reply.values)
        }
        result.values = valuesSeen.values
    }

    /// Ends the round: its answers join the result.
    mutating func endRound() {
        guard let round else { return }
        result.answers = round.answers
        result.roundQueried = round.queried
    }
}
