/// How one outbound query ended.
package enum QueryOutcome: Sendable {
    /// The node answered; `responder` carries the id it answered with.
    case response(responder: Contact, arguments: Arguments)
    /// The node answered with a KRPC error.
    case error(KRPCError)
    case timeout
    case cancelled
}

/// Who waits for a query's outcome: the node's caller, or the engine's own routing-table upkeep.
enum QueryPurpose: Sendable {
    /// An operation of the node (a lookup, a store, a ping) waits for it.
    case caller
    /// A node that queried us, pinged before it may enter the table.
    case verify(NodeAddress)
    /// A full bucket's oldest node, pinged to see if `candidate` may take its place.
    case evict(oldest: NodeID, candidate: Contact)
    /// A node not heard from lately, pinged by the stabilizer.
    case liveness(NodeID)
    /// A watcher told of a new value (`notify`); nobody waits for the answer.
    case notification
    /// A query of the engine's lookup of that number, to that node.
    case lookup(Int, Contact)

    /// Why the query was sent, for the log.
    var name: String {
        switch self {
        case .caller: "caller"
        case .verify: "verify"
        case .evict: "evict"
        case .liveness: "liveness"
        case .notification: "notification"
        case .lookup: "lookup"
        }
    }
}

/// A query waiting for its answer: what to resend, where, and when it is due.
struct PendingQuery: Sendable {
    let method: String
    let address: NodeAddress
    /// The id we believe the node has; nil when querying a bare address (join).
    let expectedID: NodeID?
    let purpose: QueryPurpose
    /// The encoded query, kept for resends.
    let datagram: [UInt8]
    let sentAt: Timestamp
    /// When it is sent again, earliest first; then, at `timesOutAt`, it has failed.
    var resendsAt: [Timestamp]
    let timesOutAt: Timestamp
    /// Sent more than once: its silence was counted against the node at the first resend.
    var resent = false

    /// Whether silence to it counts against the node: only for BEP 5's methods, which every node speaks.
    var countsAgainstLiveness: Bool { Method(rawValue: method)?.isBEP5 ?? false }

    /// The next moment something happens to this query.
    var nextDeadline: Timestamp { resendsAt.first ?? timesOutAt }
}
