import NIOCore

/// How one outbound query ended.
enum QueryOutcome: Sendable {
    /// The node answered; `responder` carries the id it answered with.
    case response(responder: Contact, arguments: Arguments)
    /// The node answered with a KRPC error.
    case error(KRPCError)
    case timeout
    case cancelled
}

/// A query waiting for its answer: what to resend, where, and whom to wake.
struct PendingQuery {
    let method: Method
    let address: NodeAddress
    let socketAddress: SocketAddress
    /// The id we believe the node has; nil when querying a bare address (join).
    let expectedID: NodeID?
    /// The encoded query, kept for resends; set once the transaction id is known.
    var datagram: [UInt8] = []
    let sentAt: NIODeadline
    var continuation: CheckedContinuation<QueryOutcome, Never>?
    var timers: [Scheduled<Void>] = []

    func cancelTimers() { for timer in timers { timer.cancel() } }
}
