/// Outbound queries: sent, resent on schedule, matched to their answers, timed out.
extension ProtocolEngine {
    /// Sends a query: its datagram goes to ``Output/datagrams``, its outcome, for
    /// ``QueryPurpose/caller``, to ``Output/finished`` under the returned transaction id.
    ///
    /// - Parameters:
    ///   - expectedID: the id we believe the node has. A timeout counts a failure against it
    ///     in the routing table; an answer with another id removes it.
    /// - Returns: the transaction id, or nil when too many queries are in flight or the address is banned.
    mutating func startQuery(_ method: String, _ arguments: BencodeDictionary = BencodeDictionary(),
                             to address: NodeAddress, expecting expectedID: NodeID? = nil,
                             purpose: QueryPurpose = .caller, now: Timestamp) -> UInt16? {
        var arguments = arguments
        arguments["id"] = .bytes(id.bytes)
        guard !bans.covers(address), let key = transactions.reserve() else { return nil }
        let datagram = KRPCMessage(transactionID: TransactionTable<PendingQuery>.bytes(key),
                                   body: .query(method: method, arguments: arguments),
                                   clientVersion: Self.clientVersion, network: network).encoded()
        transactions[key] = PendingQuery(
            method: method, address: address, expectedID: expectedID, purpose: purpose, datagram: datagram, sentAt: now,
            resendsAt: configuration.queryResendDelays.filter { $0 < configuration.queryTimeout }.sorted().map { now + $0 },
            timesOutAt: now + configuration.queryTimeout)
        stats.methods[method, default: .init()].sent += 1
        logger.debug("query sent", metadata: ["method": "\(method)", "to": "\(address)", "for": "\(purpose.name)"])
        output.datagrams.append((address, counted(datagram)))
        let deadline = transactions[key]!.nextDeadline
        output.earliestNewDeadline = min(output.earliestNewDeadline ?? deadline, deadline)
        return key
    }

    /// Resends and times out the queries due by `now`, and runs the checkpoint when it is due.
    /// Queries go in transaction order, so that a seeded simulation runs the same every time.
    mutating func advance(to now: Timestamp) {
        for (key, pending) in transactions.entries.sorted(by: { $0.key < $1.key }) where pending.nextDeadline <= now {
            if now >= pending.timesOutAt {
                finish(key, with: .timeout, now: now)
            } else {
                transactions[key]?.resendsAt.removeAll { $0 <= now }
                if !pending.resent { noteSilent(key, pending, now: now) }
                output.datagrams.append((pending.address, counted(pending.datagram)))
            }
        }
        advanceLookups(to: now)
        if now >= nextStabilize { stabilize(now: now) }
        if now >= nextCheckpoint { checkpoint(now: now) }
        if let end = bans.nextExpiry, now >= end { expireBans(now: now) }
    }

    /// A query unanswered at its first resend counts a failure against its node at once, so the
    /// node stops being handed out in answers seconds after it went quiet, not at the timeout.
    /// An answer to the resend clears it. Only BEP 5's methods count: every node speaks them,
    /// and many drop the others unanswered (``MethodSupport``).
    private mutating func noteSilent(_ key: UInt16, _ pending: PendingQuery, now: Timestamp) {
        transactions[key]?.resent = true
        logger.debug("query unanswered, resent", metadata: ["method": "\(pending.method)", "to": "\(pending.address)"])
        if let expected = pending.expectedID, pending.countsAgainstLiveness { countFailure(expected, now: now) }
    }

    /// Counts a failure against a node; its replacement, if it goes, must have been seen within LIVENESS_AGE.
    private mutating func countFailure(_ id: NodeID, now: Timestamp) {
        table.recordFailure(id, maxFailures: configuration.maxFailures, freshSince: now - configuration.livenessAge)
    }

    /// Ends every lookup and query as cancelled, for a node that closes.
    mutating func cancelAll(now: Timestamp) {
        for number in lookups.keys.sorted() {
            if let result = cancelLookup(number, now: now) { output.finishedLookups.append((number, result)) }
        }
        for (key, _) in transactions.entries { finish(key, with: .cancelled, now: now) }
    }

    mutating func handleResponse(_ arguments: Arguments, transactionID: [UInt8], from sender: NodeAddress, now: Timestamp) {
        guard let key = TransactionTable<PendingQuery>.id(transactionID), let pending = transactions[key],
              pending.address == sender
        else { return }
        guard let responderID = try? arguments.nodeID("id") else {
            finish(key, with: .error(.protocolError("response without a valid id")), now: now)
            return
        }
        if let expected = pending.expectedID, expected != responderID {
            // "Node ID has changed": the old identity at this address is gone.
            table.remove(expected)
        }
        let responder = Contact(id: responderID, address: sender)
        noteResponder(responder, now: now)
        if let observed = arguments.observedAddress { recordAddressVote(observed, from: sender, now: now) }
        stats.methods[pending.method, default: .init()].totalLatency += (now - pending.sentAt).inSeconds
        logger.debug("query answered", metadata: ["method": "\(pending.method)", "by": "\(sender)",
                                                  "ms": "\(Int((now - pending.sentAt).inSeconds * 1000))"])
        finish(key, with: .response(responder: responder, arguments: arguments), now: now)
    }

    mutating func handleErrorReply(_ error: KRPCError, transactionID: [UInt8], from sender: NodeAddress, now: Timestamp) {
        guard let key = TransactionTable<PendingQuery>.id(transactionID), let pending = transactions[key],
              pending.address == sender
        else { return }
        logger.debug("query refused", metadata: ["method": "\(pending.method)", "by": "\(sender)",
                                                 "error": "\(error.description.printable)"])
        finish(key, with: .error(error), now: now)
    }

    /// Ends a pending query: its counters move, and whoever waits for it learns the outcome.
    private mutating func finish(_ key: UInt16, with outcome: QueryOutcome, now: Timestamp) {
        guard let pending = transactions.remove(key) else { return }
        switch outcome {
        case .response:
            stats.methods[pending.method, default: .init()].succeeded += 1
            switch pending.purpose {
            case .caller, .lookup: output.answeredQueries.append((pending.method, now - pending.sentAt))
            default: break
            }
        case .timeout:
            logger.debug("query timed out", metadata: ["method": "\(pending.method)", "to": "\(pending.address)"])
            stats.methods[pending.method, default: .init()].failed += 1
            if !pending.countsAgainstLiveness {
                methodSupport.noteUnsupported(pending.method, at: pending.address, silent: true, now: now)
            } else if !pending.resent, let expected = pending.expectedID {
                countFailure(expected, now: now)
            }
        case .error(let error):
            stats.methods[pending.method, default: .init()].failed += 1
            if MethodSupport.meansUnknown(error, to: pending.method) {
                methodSupport.noteUnsupported(pending.method, at: pending.address, now: now)
            }
        case .cancelled:
            break
        }
        switch pending.purpose {
        case .caller:
            output.finished.append((key, outcome))
        case .verify(let address):
            verifying.remove(address)
        case .liveness(let id):
            livenessPings.remove(id)
        case .notification:
            break
        case .lookup(let number, let contact):
            lookupQueryEnded(number, contact: contact, pending, outcome, now: now)
        case .evict(let oldest, let candidate):
            evicting.remove(oldest)
            if case .response = outcome { return }
            if case .cancelled = outcome { return }
            table.replace(oldest, with: candidate, now: now)
        }
    }
}
