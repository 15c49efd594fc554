/// The clocks of a traversal's running queries: when each node is looked past, and how long
/// after that it may still hold the lookup open.
///
/// Deadlines follow the lookup's current wait, not the one of when the query was sent: once
/// the first answers show a fast network, a node sent to before them is looked past soon too.
/// Looking past a node only adds parallelism; giving up on it changes the result. So a node
/// looked past still counts, if it is closer than the K-th answer, until it has been silent for
/// the *hold*: two waits (the wait is the mean round trip and two deviations, so two of them
/// reach past TCP's retransmission timeout), half again the slowest answer the lookup has had,
/// and at least `minimumHold` (a few of the scheduler's time slices). A live node slowed by a
/// busy machine or a long path is waited for; a departed one costs the hold.
///
/// The hold was three waits of four deviations. On the simulated network (Internet round
/// trips, a third of the table silent, where a silent node sits in nearly every lookup's last
/// window) two waits of two deviations halve the median get and miss no more values after a
/// mass departure; one wait and 10 ms halved it again but dropped slow live holders.
struct QueryTimers {
    struct Entry {
        let contact: Contact
        let sentAt: Timestamp
        var stalled = false
    }

    static let minimumHold: Duration = .milliseconds(10)

    private var entries: [NodeID: Entry] = [:]
    /// The slowest answer so far.
    private var slowest: Duration = .zero

    private func deadline(of entry: Entry, wait: Duration) -> Timestamp {
        entry.sentAt + (entry.stalled ? max(wait * 2, slowest * 3 / 2, Self.minimumHold) : wait)
    }

    mutating func start(_ contact: Contact, at now: Timestamp) {
        entries[contact.id] = Entry(contact: contact, sentAt: now)
    }

    /// The node answered after `roundTrip`.
    mutating func answered(_ id: NodeID, after roundTrip: Duration) {
        entries[id] = nil
        slowest = max(slowest, roundTrip)
    }

    /// The node failed.
    mutating func failed(_ id: NodeID) { entries[id] = nil }

    /// The nodes looked past as of `now`; nodes given up on are forgotten.
    mutating func expire(now: Timestamp, wait: Duration) -> [Entry] {
        var stalled: [Entry] = []
        for (id, entry) in entries where deadline(of: entry, wait: wait) <= now {
            if entry.stalled {
                entries[id] = nil
            } else {
                entries[id]?.stalled = true
                stalled.append(entry)
            }
        }
        return stalled
    }

    func nextDeadline(wait: Duration) -> Timestamp? { entries.values.map { deadline(of: $0, wait: wait) }.min() }

    /// Whether a node looked past but not yet given up on is closer to `target` than `farthest`
    /// (any such node, when there is no `farthest`).
    func holdOpen(closerThan farthest: Contact?, to target: NodeID) -> Bool {
        let limit = farthest?.id.distance(to: target)
        return entries.values.contains { entry in
            entry.stalled && limit.map { entry.contact.id.distance(to: target) < $0 } ?? true
        }
    }
}
