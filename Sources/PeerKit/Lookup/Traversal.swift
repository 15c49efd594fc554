/// One iterative Kademlia lookup as a state machine: no socket, no clock, no task.
///
/// The engine asks it which nodes to query (``nextQueries(now:)``), tells it of each answer and
/// failure, and of the time when its ``nextDeadline`` comes (``expire(now:)``), until it
/// ``isFinished``. Every kind of lookup (find_node, find_value, get_peers, BEP 44 get) runs on
/// it; they differ only in the query they send and what makes an answer eligible or final.
///
/// The shortlist starts from the seeds; at most `concurrency` queries run at once among the K
/// closest candidates (queries to nodes that have since dropped out of the closest K no longer
/// count against the limit, as in Khashmir); the lookup ends when the K closest non-failed
/// nodes have all answered.
///
/// A node that has not answered within the learned wait (``RoundTripEstimator``, seeded with
/// what the node's lookups have seen and updated with this lookup's own answers) is looked
/// past: it no longer counts against the concurrency limit, and the next candidate is queried.
/// If it would be among the K closest it holds the end of the lookup open a while longer
/// (``QueryTimers``), and a late answer is always used. So one dead node among the closest
/// costs the lookup milliseconds on a LAN, not the whole KRPC timeout (Khashmir's 9 s was why
/// apt-p2p's lookups averaged 17 s).
///
/// A node whose answer is not eligible for the operation (a mainline node, asked for a value it
/// cannot hold) still routes the lookup but does not count among the K closest, so a store
/// reaches the closest nodes that accept it however many others stand between; at most
/// ``maxPassedOver`` are passed over, which bounds a lookup through a network of others.
struct Traversal: Sendable {
    let target: NodeID
    /// K: how many closest answers end the lookup.
    let k: Int
    /// Queries in flight at once (Khashmir's CONCURRENT_REQS, Kademlia's alpha).
    let concurrency: Int
    /// How long to wait on a node before looking past it; learned afresh from this lookup's answers.
    private(set) var roundTrips: RoundTripEstimator
    private var shortlist: Shortlist
    private var timers = QueryTimers()
    /// Queries sent and not yet answered or failed, stalled ones included.
    private var outstanding = 0
    /// Queries sent (each node is queried at most once).
    private(set) var queried = 0
    /// Queries that failed.
    private(set) var failed = 0
    /// Nodes looked past because they had not answered within the learned wait.
    private(set) var lookedPast = 0
    /// The round trips this lookup measured, for the node to learn from.
    private(set) var samples: [Duration] = []
    /// The answer that ended the lookup early.
    private(set) var stoppedBy: Responder?

    /// Answers not eligible that a lookup passes over at most; later ones count as the closest.
    var maxPassedOver: Int { 4 * k }

    /// - Parameter roundTrips: the node's learned wait and its bounds; the lookup starts from
    ///   that wait and learns afresh from its own answers.
    init(target: NodeID, k: Int, concurrency: Int, seeds: [Contact], excluding excludedID: NodeID? = nil,
         roundTrips: RoundTripEstimator = .fixed(.seconds(2))) {
        self.target = target
        self.k = k
        self.concurrency = concurrency
        self.roundTrips = RoundTripEstimator(bounds: roundTrips.bounds, initial: roundTrips.wait)
        shortlist = Shortlist(target: target, excluding: excludedID, maxPassedOver: 4 * k)
        shortlist.add(seeds)
    }

    /// Done when the closest nodes not looked past have all answered, and no node looked past
    /// lately would be among them. If nobody has answered yet, slow nodes are all there is: wait
    /// for them. A window short of K (nodes passed over, a small network) holds the end open for
    /// any node looked past: it would be among the K closest.
    private func closestHaveAnswered(_ window: [Contact]) -> Bool {
        window.allSatisfy { shortlist.isAnswered($0.id) }
            && (!window.isEmpty || shortlist.stalledCount == 0)
            && !timers.holdOpen(closerThan: window.count < k ? nil : window.last, to: target)
    }

    /// Whether the lookup has ended: stopped by an answer, the closest have answered, or no
    /// query is running and none is left to send.
    var isFinished: Bool { stoppedBy != nil || outstanding == 0 || closestHaveAnswered(shortlist.window(k)) }

    /// The nodes to query now, marked in flight; none once the lookup is done.
    mutating func nextQueries(now: Timestamp) -> [Contact] {
        let window = shortlist.window(k)
        guard stoppedBy == nil, !closestHaveAnswered(window) else { return [] }
        var relevantInFlight = inFlight(among: window)
        var sends: [Contact] = []
        for contact in window where relevantInFlight < concurrency && shortlist.isCandidate(contact.id) {
            shortlist.markInFlight(contact.id)
            timers.start(contact, at: now)
            outstanding += 1
            relevantInFlight += 1
            queried += 1
            sends.append(contact)
        }
        return sends
    }

    /// Queries in flight to nodes among the K closest not looked past: at most `concurrency`.
    var inFlightAmongClosest: Int { inFlight(among: shortlist.window(k)) }

    private func inFlight(among window: [Contact]) -> Int { window.filter { shortlist.isInFlight($0.id) }.count }

    /// Whether a query to the node is running (in flight or looked past): its answer is awaited.
    func isAwaiting(_ id: NodeID) -> Bool { shortlist.isAsked(id) }

    /// The node answered after `roundTrip`, with the nodes it knows closer to the target.
    /// - Parameters:
    ///   - eligible: whether the node can serve the operation (else it is passed over).
    ///   - stops: whether this answer ends the lookup at once (an immutable item found).
    mutating func answered(_ contact: Contact, after roundTrip: Duration, closer: [Contact], reply: LookupReply,
                           eligible: Bool = true, stops: Bool = false) {
        guard shortlist.isAsked(contact.id) else { return }
        outstanding -= 1
        // Answers after the upper bound may answer a resend: no sample (Karn's rule).
        if roundTrip < roundTrips.bounds.upperBound {
            roundTrips.record(roundTrip)
            samples.append(roundTrip)
        }
        timers.answered(contact.id, after: roundTrip)
        shortlist.markAnswered(contact.id, reply: reply, eligible: eligible)
        shortlist.add(closer)
        if stops { stoppedBy = Responder(contact: contact, reply: reply) }
    }

    /// The node did not answer, or answered with an error that makes it useless to this lookup.
    mutating func failed(_ id: NodeID) {
        guard shortlist.isAsked(id) else { return }
        outstanding -= 1
        timers.failed(id)
        shortlist.markFailed(id)
        failed += 1
    }

    /// When the earliest running query is looked past or given up on.
    var nextDeadline: Timestamp? { isFinished ? nil : timers.nextDeadline(wait: roundTrips.wait) }

    /// Looks past the nodes that have not answered within the wait as of `now`; returns them.
    mutating func expire(now: Timestamp) -> [Contact] {
        let stalled = timers.expire(now: now, wait: roundTrips.wait)
        for entry in stalled { shortlist.markStalled(entry.contact.id) }
        lookedPast += stalled.count
        return stalled.map(\.contact)
    }

    /// Up to K responders, closest first.
    var closest: [Responder] {
        shortlist.window(k).compactMap { contact in
            shortlist.reply(for: contact.id).map { Responder(contact: contact, reply: $0) }
        }
    }
}
