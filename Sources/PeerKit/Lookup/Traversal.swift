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
    /// Nodes looked past because they had not answered within the learned wait.
    var lookedPast = 0
    /// The round trips this lookup measured, for the node to learn from.
    var roundTrips: [Duration] = []
    /// The closest responders that gave a write token (`token` reads it from a reply), closest
    /// first, with their tokens: where a store, a put or an announcement goes.
    func tokens(_ token: KeyPath<Reply, [UInt8]?>) -> [(contact: Contact, token: [UInt8])] {
        closest.compactMap { responder in responder.reply[keyPath: token].map { (responder.contact, $0) } }
    }

    /// The answer that ended the lookup early (``Traversal/run(seeds:excluding:eligible:stop:query:)``'s `stop`).
    var stoppedBy: Responder?
}

/// One iterative Kademlia lookup, independent of any socket.
///
/// The shortlist starts from `seeds`; at most `concurrency` queries run at once
/// among the K closest candidates (queries to nodes that have since dropped out
/// of the closest K no longer count against the limit, as in Khashmir); the
/// lookup ends when the K closest non-failed nodes have all answered. Find-node,
/// find-value and get-peers differ only in the `query` they pass.
///
/// A node that has not answered within the learned wait (``RoundTripEstimator``, seeded
/// with what the node's lookups have seen and updated with this lookup's own answers) is
/// looked past: it no longer counts against the concurrency limit, and the next candidate
/// is queried. If it would be among the K closest it holds the end of the lookup open a while
/// longer (``QueryTimers``), and a late answer is always used. So one dead node among the
/// closest costs the lookup milliseconds on a LAN, not the whole KRPC timeout (Khashmir's
/// 9 s was why apt-p2p's lookups averaged 17 s).
///
/// A node whose answer is not ``eligible`` for the operation (a mainline node, asked for a
/// value it cannot hold) still routes the lookup but does not count among the K closest, so a
/// store reaches the closest nodes that accept it however many others stand between; at most
/// ``maxPassedOver`` are passed over, which bounds a lookup through a network of others.
struct Traversal: Sendable {
    let target: NodeID
    /// K: how many closest answers end the lookup.
    let k: Int
    /// Queries in flight at once (Khashmir's CONCURRENT_REQS, Kademlia's alpha).
    let concurrency: Int
    /// How long to wait on one node before looking past it: the node's learned wait and its
    /// bounds. The lookup starts from that wait and learns afresh from its own answers.
    var roundTrips = RoundTripEstimator.fixed(.seconds(2))
    /// Measures round trips and waits; tests pass a manual one.
    var clock: any DHTClock = SystemClock()
    /// Told of each node the lookup looks past, and how long it waited on it (for the log).
    var lookedPast: @Sendable (Contact, Duration) -> Void = { _, _ in }

    private enum Event<Reply: Sendable>: Sendable {
        /// A node's answer, and when its query was sent.
        case answer(Contact, TraversalAnswer<Reply>, sentAt: Timestamp)
        /// A timer set for the earliest deadline it knew of has fired.
        case timer(Timestamp)
    }

    /// Answers not eligible that a lookup passes over at most; later ones count as the closest.
    var maxPassedOver: Int { 4 * k }

    func run<Reply: Sendable>(
        seeds: [Contact],
        excluding excludedID: NodeID? = nil,
        eligible: @escaping @Sendable (Reply) -> Bool = { _ in true },
        stop: @escaping @Sendable (Reply) -> Bool = { _ in false },
        query: @escaping @Sendable (Contact) async -> TraversalAnswer<Reply>
    ) async -> TraversalResult<Reply> {
        var shortlist = Shortlist<Reply>(target: target, excluding: excludedID, maxPassedOver: maxPassedOver)
        shortlist.add(seeds)
        var queried = 0, failed = 0, lookedPastCount = 0
        var samples: [Duration] = []
        var stoppedBy: TraversalResult<Reply>.Responder?

        // The lookup learns afresh from its own answers; what the node learned before sets the
        // wait only until the first one comes.
        var roundTrips = RoundTripEstimator(bounds: self.roundTrips.bounds, initial: self.roundTrips.wait)
        let clock = clock, lookedPast = lookedPast
        await withTaskGroup(of: Event<Reply>.self) { group in
            /// Queries sent and not yet answered or failed, stalled ones included.
            var outstanding = 0
            var timers = QueryTimers()
            /// When the earliest timer running wakes: a query sent later may stall sooner,
            /// once the lookup has learned a shorter wait, and then gets a timer of its own.
            var timerDeadline: Timestamp?
            lookup: while true {
                let window = shortlist.window(k)
                // Done when the closest nodes not looked past have all answered, and no node looked
                // past lately would be among them. If nobody has answered yet, slow nodes are all
                // there is: wait for them.
                // A window short of K (nodes passed over, a small network) holds the end open for
                // any node looked past: it would be among the K closest.
                if window.allSatisfy({ shortlist.isAnswered($0.id) }),
                   !window.isEmpty || shortlist.stalledCount == 0,
                   !timers.holdOpen(closerThan: window.count < k ? nil : window.last, to: target) { break }
                var relevantInFlight = window.filter { shortlist.isInFlight($0.id) }.count
                for contact in window where relevantInFlight < concurrency && shortlist.isCandidate(contact.id) {
                    shortlist.markInFlight(contact.id)
                    let sentAt = clock.now
                    timers.start(contact, at: sentAt)
                    outstanding += 1
                    relevantInFlight += 1
                    queried += 1
                    group.addTask { .answer(contact, await query(contact), sentAt: sentAt) }
                }
                if let earliest = timers.nextDeadline(wait: roundTrips.wait), timerDeadline.map({ earliest < $0 }) ?? true {
                    timerDeadline = earliest
                    group.addTask {
                        try? await clock.sleep(until: earliest)
                        return .timer(earliest)
                    }
                }
                guard outstanding > 0, let event = await group.next() else { break }
                switch event {
                case .answer(let contact, .answered(let closer, let reply), let sentAt):
                    outstanding -= 1
                    // Answers after the upper bound may answer a resend: no sample (Karn's rule).
                    let roundTrip = clock.now - sentAt
                    if roundTrip < roundTrips.bounds.upperBound {
                        roundTrips.record(roundTrip)
                        samples.append(roundTrip)
                    }
                    timers.answered(contact.id, after: roundTrip)
                    shortlist.markAnswered(contact.id, reply: reply, eligible: eligible(reply))
                    shortlist.add(closer)
                    if stop(reply) {
                        stoppedBy = .init(contact: contact, reply: reply)
                        break lookup
                    }
                case .answer(let contact, .failed, _):
                    outstanding -= 1
                    timers.failed(contact.id)
                    shortlist.markFailed(contact.id)
                    failed += 1
                case .timer(let deadline):
                    if deadline == timerDeadline { timerDeadline = nil }
                    for entry in timers.expire(now: clock.now, wait: roundTrips.wait) {
                        shortlist.markStalled(entry.contact.id)
                        lookedPast(entry.contact, roundTrips.wait)
                        lookedPastCount += 1
                    }
                }
            }
            group.cancelAll()
        }
        let closest = shortlist.window(k).compactMap { contact in
            shortlist.reply(for: contact.id).map { TraversalResult.Responder(contact: contact, reply: $0) }
        }
        return TraversalResult(closest: closest, queried: queried, failed: failed, lookedPast: lookedPastCount,
                               roundTrips: samples, stoppedBy: stoppedBy)
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
        /// Answered, but cannot serve the operation: it routed the lookup and no more.
        case passedOver
        case failed
    }

    let target: NodeID
    let excludedID: NodeID?
    let maxPassedOver: Int
    private var passedOverCount = 0
    private var sorted: [(distance: NodeID, contact: Contact)] = []
    private var states: [NodeID: State] = [:]
    /// Nodes whose queries are slow but still running.
    private(set) var stalledCount = 0

    init(target: NodeID, excluding excludedID: NodeID?, maxPassedOver: Int) {
        self.target = target
        self.excludedID = excludedID
        self.maxPassedOver = maxPassedOver
    }

    mutating func add(_ contacts: [Contact]) {
        for contact in contacts where contact.id != excludedID && states[contact.id] == nil {
            states[contact.id] = .candidate
            let distance = contact.id.distance(to: target)
            let index = sorted.firstIndex { distance < $0.distance } ?? sorted.endIndex
            sorted.insert((distance, contact), at: index)
        }
    }

    /// The `k` closest contacts that have neither failed, stalled nor been passed over.
    func window(_ k: Int) -> [Contact] {
        var result: [Contact] = []
        for entry in sorted where result.count < k {
            switch states[entry.contact.id] {
            case .failed, .stalled, .passedOver: continue
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

    mutating func markAnswered(_ id: NodeID, reply: Reply, eligible: Bool) {
        leaveStalled(id)
        if !eligible, passedOverCount < maxPassedOver {
            passedOverCount += 1
            states[id] = .passedOver
        } else {
            states[id] = .answered(reply)
        }
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
