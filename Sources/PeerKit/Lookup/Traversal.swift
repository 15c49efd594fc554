/// What one queried node said during a traversal.
enum TraversalAnswer<Reply: Sendable>: Sendable {
    /// It answered: the nodes it knows closer to the target, and the method's own reply.
    case answered(closer: [Contact], reply: Reply)
    /// It did not answer, or answered with an error that makes it useless to this lookup.
    case failed
}

/// The result of a traversal: the closest nodes that answered, closest first.
struct TraversalResult<Reply: Sendable>: Sendable {
    struct Responder: Sendable {
        let contact: Contact
        let reply: Reply
    }

    /// Up to K responders, sorted by distance to the target.
    var closest: [Responder]
    /// Queries sent (each node is queried at most once).
    var queried: Int
    /// Queries that failed.
    var failed: Int
}

/// One iterative Kademlia lookup, independent of any socket.
///
/// The shortlist starts from `seeds`; at most `concurrency` queries run at once
/// among the K closest candidates (queries to nodes that have since dropped out
/// of the closest K no longer count against the limit, as in Khashmir); the
/// lookup ends when the K closest non-failed nodes have all answered. Find-node,
/// find-value and get-peers differ only in the `query` they pass.
///
/// A node that has not answered within `stallTimeout` is treated as failed for the
/// end condition and the concurrency limit, though a late answer is still used. So
/// one dead node among the closest costs the lookup seconds, not the whole KRPC
/// timeout (Khashmir's 9 s was why apt-p2p's lookups averaged 17 s).
struct Traversal: Sendable {
    let target: NodeID
    /// K: how many closest answers end the lookup.
    let k: Int
    /// Queries in flight at once (Khashmir's CONCURRENT_REQS, Kademlia's alpha).
    let concurrency: Int
    /// How long to wait on one node before looking past it.
    var stallTimeout: Duration = .seconds(2)
    /// Measures the stall timeout; tests pass a manual one.
    var clock: any DHTClock = SystemClock()

    private enum Event<Reply: Sendable>: Sendable {
        case answer(Contact, TraversalAnswer<Reply>)
        /// The earliest running query has been out for `stallTimeout`.
        case timer
    }

    func run<Reply: Sendable>(
        seeds: [Contact],
        excluding excludedID: NodeID? = nil,
        query: @escaping @Sendable (Contact) async -> TraversalAnswer<Reply>
    ) async -> TraversalResult<Reply> {
        var shortlist = Shortlist<Reply>(target: target, excluding: excludedID)
        shortlist.add(seeds)
        var queried = 0, failed = 0

        let stallTimeout = stallTimeout, clock = clock
        await withTaskGroup(of: Event<Reply>.self) { group in
            /// Queries sent and not yet answered or failed, stalled ones included.
            var outstanding = 0
            /// When each running query that has not stalled yet will stall.
            var stallDeadlines: [NodeID: Timestamp] = [:]
            var timerRunning = false
            while true {
                let window = shortlist.window(k)
                // Done when the closest nodes not looked past have all answered. If nobody has
                // answered yet, slow nodes are all there is: wait for them.
                if window.allSatisfy({ shortlist.isAnswered($0.id) }),
                   !window.isEmpty || shortlist.stalledCount == 0 { break }
                var relevantInFlight = window.filter { shortlist.isInFlight($0.id) }.count
                for contact in window where relevantInFlight < concurrency && shortlist.isCandidate(contact.id) {
                    shortlist.markInFlight(contact.id)
                    stallDeadlines[contact.id] = clock.now + stallTimeout
                    outstanding += 1
                    relevantInFlight += 1
                    queried += 1
                    group.addTask { .answer(contact, await query(contact)) }
                }
                // One timer for the whole lookup, set to the earliest moment a query stalls.
                if !timerRunning, let earliest = stallDeadlines.values.min() {
                    timerRunning = true
                    group.addTask {
                        try? await clock.sleep(until: earliest)
                        return .timer
                    }
                }
                guard outstanding > 0, let event = await group.next() else { break }
                switch event {
                case .answer(let contact, .answered(let closer, let reply)):
                    outstanding -= 1
                    stallDeadlines[contact.id] = nil
                    shortlist.markAnswered(contact.id, reply: reply)
                    shortlist.add(closer)
                case .answer(let contact, .failed):
                    outstanding -= 1
                    stallDeadlines[contact.id] = nil
                    shortlist.markFailed(contact.id)
                    failed += 1
                case .timer:
                    timerRunning = false
                    let now = clock.now
                    for (id, deadline) in stallDeadlines where deadline <= now {
                        stallDeadlines[id] = nil
                        shortlist.markStalled(id)
                    }
                }
            }
            group.cancelAll()
        }
        let closest = shortlist.window(k).compactMap { contact in
            shortlist.reply(for: contact.id).map { TraversalResult.Responder(contact: contact, reply: $0) }
        }
        return TraversalResult(closest: closest, queried: queried, failed: failed)
    }
}

/// The candidates of one traversal, sorted by distance to the target.
private struct Shortlist<Reply> {
    enum State {
        case candidate
        case inFlight
        /// Still in flight, but slow: looked past until it answers.
        case stalled
        case answered(Reply)
        case failed
    }

    let target: NodeID
    let excludedID: NodeID?
    private var sorted: [(distance: NodeID, contact: Contact)] = []
    private var states: [NodeID: State] = [:]
    /// Nodes whose queries are slow but still running.
    private(set) var stalledCount = 0

    init(target: NodeID, excluding excludedID: NodeID?) {
        self.target = target
        self.excludedID = excludedID
    }

    mutating func add(_ contacts: [Contact]) {
        for contact in contacts where contact.id != excludedID && states[contact.id] == nil {
            states[contact.id] = .candidate
            let distance = contact.id.distance(to: target)
            let index = sorted.firstIndex { distance < $0.distance } ?? sorted.endIndex
            sorted.insert((distance, contact), at: index)
        }
    }

    /// The `k` closest contacts that have neither failed nor stalled.
    func window(_ k: Int) -> [Contact] {
        var result: [Contact] = []
        for entry in sorted where result.count < k {
            switch states[entry.contact.id] {
            case .failed, .stalled: continue
            default: result.append(entry.contact)
            }
        }
        return result
    }

    func isCandidate(_ id: NodeID) -> Bool { if case .candidate = states[id] { true } else { false } }
    func isInFlight(_ id: NodeID) -> Bool { if case .inFlight = states[id] { true } else { false } }
    func isAnswered(_ id: NodeID) -> Bool { reply(for: id) != nil }

    func reply(for id: NodeID) -> Reply? {
        if case .answered(let reply) = states[id] { return reply }
        return nil
    }

    mutating func markInFlight(_ id: NodeID) { states[id] = .inFlight }

    mutating func markAnswered(_ id: NodeID, reply: Reply) {
        leaveStalled(id)
        states[id] = .answered(reply)
    }

    mutating func markFailed(_ id: NodeID) {
        leaveStalled(id)
        states[id] = .failed
    }

    private mutating func leaveStalled(_ id: NodeID) {
        if case .stalled = states[id] { stalledCount -= 1 }
    }
    mutating func markStalled(_ id: NodeID) {
        states[id] = .stalled
        stalledCount += 1
    }
}
