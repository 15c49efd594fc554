/// Lookups as engine state: started by a call, fed every answer, failure and look-past
/// deadline through the engine's one clock, and reported in ``Output/finishedLookups``.
extension ProtocolEngine {
    /// Starts a lookup from the closest nodes of the table; its result comes in
    /// ``Output/finishedLookups`` under the returned id (at once, when there is nobody to ask).
    mutating func startLookup(_ request: LookupRequest, now: Timestamp) -> Int {
        let number = nextLookup
        nextLookup += 1
        table.markLookedUp(request.target, now: now)
        let traversal = Traversal(target: request.target, k: configuration.k, concurrency: configuration.concurrentRequests,
                                  seeds: lookupSeeds(near: request.target, now: now), excluding: id,
                                  roundTrips: lookupRoundTrips)
        lookups[number] = ActiveLookup(request, traversal: traversal, startedAt: now)
        pumpLookup(number, now: now)
        return number
    }

    /// Sends `round` to nodes an earlier lookup found (a mutable put, signed after its lookup).
    mutating func startRound(_ round: RoundRequest, to candidates: [(contact: Contact, token: [UInt8]?)],
                             target: NodeID, now: Timestamp) -> Int {
        let number = nextLookup
        nextLookup += 1
        var lookup = ActiveLookup(LookupRequest(kind: .findNode, target: target, then: round), traversal: nil, startedAt: now)
        lookup.round = QueryRound(round, to: candidates)
        lookups[number] = lookup
        pumpLookup(number, now: now)
        return number
    }

    /// Ends a lookup before its time; what it found so far is its result. Its queries in flight
    /// still end as usual, so a late answer refreshes the node and a timeout counts against it.
    mutating func cancelLookup(_ number: Int, now: Timestamp) -> LookupResult? {
        guard var lookup = lookups.removeValue(forKey: number) else { return nil }
        if lookup.round == nil { _ = lookup.endTraversal(storeRedundancy: configuration.storeRedundancy) }
        lookup.endRound()
        lookup.result.cancelled = true
        return lookup.result
    }

    /// A query a lookup sent has ended.
    mutating func lookupQueryEnded(_ number: Int, contact: Contact, _ pending: PendingQuery, _ outcome: QueryOutcome,
                                   now: Timestamp) {
        guard var lookup = lookups[number] else { return }
        if var round = lookup.round {
            // A late answer to the traversal is not the round's: their methods differ.
            guard pending.method == round.request.method.rawValue, round.isAwaiting(contact.id) else { return }
            if case .response(_, let arguments) = outcome { round.ended(contact, answer: arguments) }
            else { round.ended(contact, answer: nil) }
            lookup.round = round
        } else if var traversal = lookup.traversal, traversal.isAwaiting(contact.id) {
            let method = lookup.request.kind.method
            switch outcome {
            case .response(_, let arguments):
                let routed = pending.method != method.rawValue
                if let (closer, reply, eligible, stops) = lookup.read(arguments, routed: routed, allowed: isAllowed) {
                    traversal.answered(contact, after: now - pending.sentAt, closer: closer.filter { isPeerAddress($0.address) },
                                       reply: reply, eligible: eligible, stops: stops)
                } else {
                    traversal.failed(contact.id)
                }
            case .error(let error) where pending.method == method.rawValue && MethodSupport.meansUnknown(error, to: method.rawValue):
                // It does not speak the method: the lookup still goes through it, by find_node.
                if sendRouting(number, lookup.request.target, to: contact, now: now) == nil { traversal.failed(contact.id) }
            default:
                traversal.failed(contact.id)
            }
            lookup.traversal = traversal
        } else {
            return
        }
        lookups[number] = lookup
        pumpLookup(number, now: now)
    }

    /// Looks past the lookups' slow nodes whose wait has run out by `now`.
    mutating func advanceLookups(to now: Timestamp) {
        for (number, lookup) in lookups.sorted(by: { $0.key < $1.key }) where lookup.round == nil {
            guard var traversal = lookup.traversal, let deadline = traversal.nextDeadline, deadline <= now else { continue }
            for contact in traversal.expire(now: now) {
                logger.debug("lookup looked past", metadata: ["node": "\(contact.address)",
                                                              "waited ms": "\(Int(traversal.roundTrips.wait.inSeconds * 1000))"])
            }
            lookups[number]?.traversal = traversal
            pumpLookup(number, now: now)
        }
    }

    /// The earliest moment a lookup looks past a node.
    var nextLookupDeadline: Timestamp? {
        lookups.values.compactMap { $0.round == nil ? $0.traversal?.nextDeadline : nil }.min()
    }
}

extension ProtocolEngine {
    /// Sends what the lookup can send now; ends it, or moves it on to its round, when it is done.
    private mutating func pumpLookup(_ number: Int, now: Timestamp) {
        guard var lookup = lookups[number] else { return }
        if lookup.round == nil, var traversal = lookup.traversal {
            sendTraversalQueries(number, &traversal, kind: lookup.request.kind, now: now)
            lookup.traversal = traversal
            guard traversal.isFinished else {
                lookups[number] = lookup
                if let deadline = traversal.nextDeadline {
                    output.earliestNewDeadline = min(output.earliestNewDeadline ?? deadline, deadline)
                }
                return
            }
            for sample in traversal.samples { lookupRoundTrips.record(sample) }
            guard let round = lookup.endTraversal(storeRedundancy: configuration.storeRedundancy) else {
                return finishLookup(number, lookup, now: now)
            }
            lookup.round = round
        }
        guard var round = lookup.round else { return finishLookup(number, lookup, now: now) }
        var sends = round.next()
        while !sends.isEmpty {
            for (contact, arguments) in sends where startQuery(round.request.method.rawValue, arguments, to: contact.address,
                                                               expecting: contact.id, purpose: .lookup(number, contact),
                                                               now: now) == nil {
                round.ended(contact, answer: nil)
            }
            sends = round.next()
        }
        lookup.round = round
        guard round.isFinished else {
            lookups[number] = lookup
            return
        }
        lookup.endRound()
        finishLookup(number, lookup, now: now)
    }

    /// Sends the traversal's next queries; a query that cannot be sent counts as failed, and
    /// the next candidate goes instead.
    private mutating func sendTraversalQueries(_ number: Int, _ traversal: inout Traversal, kind: LookupKind,
                                               now: Timestamp) {
        var sends = traversal.nextQueries(now: now)
        while !sends.isEmpty {
            var unsent = false
            for contact in sends {
                let sent: UInt16?
                if kind.method.isBEP5 || methodSupport.speaks(kind.method.rawValue, at: contact.address, now: now) {
                    sent = startQuery(kind.method.rawValue, kind.arguments(for: traversal.target), to: contact.address,
                                      expecting: contact.id, purpose: .lookup(number, contact), now: now)
                } else {
                    sent = sendRouting(number, traversal.target, to: contact, now: now)
                }
                if sent == nil {
                    traversal.failed(contact.id)
                    unsent = true
                }
            }
            sends = unsent ? traversal.nextQueries(now: now) : []
        }
    }

    /// Asks `contact` find_node toward the lookup's target, for a node that does not speak the lookup's method.
    private mutating func sendRouting(_ number: Int, _ target: NodeID, to contact: Contact, now: Timestamp) -> UInt16? {
        startQuery(Method.findNode.rawValue, ["target": .bytes(target.bytes)], to: contact.address,
                   expecting: contact.id, purpose: .lookup(number, contact), now: now)
    }

    private mutating func finishLookup(_ number: Int, _ lookup: ActiveLookup, now: Timestamp) {
        lookups[number] = nil
        var result = lookup.result
        result.duration = now - lookup.startedAt
        output.finishedLookups.append((number, result))
    }
}
