/// What a lookup the engine ran found: its traversal's closest responders, and its round's answers.
struct LookupResult: Sendable {
    /// Up to K responders, closest first.
    var closest: [Responder] = []
    /// The answer that ended the traversal early (an immutable item, or enough values).
    var stoppedBy: Responder?
    /// Traversal queries sent, failed, and nodes looked past.
    var queried = 0
    var failed = 0
    var lookedPast = 0
    /// `get_peers`: every peer any responder listed (compact addresses), in order, once each.
    var peers: [[UInt8]] = []
    /// `find_value`: the distinct values the responders' answers carried, by the get policy.
    var values: [[UInt8]] = []
    /// The round's answers, in the order they came, and its queries.
    var answers: [(contact: Contact, arguments: Arguments)] = []
    var roundQueried = 0
    /// The lookup ended because it was cancelled, or the node closed.
    var cancelled = false
    /// From its start to its result.
    var duration: Duration = .zero

    /// Queries sent, traversal and round.
    var queries: Int { queried + roundQueried }

    /// The closest responders that gave a write token, closest first, with their tokens.
    var tokenHolders: [(contact: Contact, token: [UInt8])] {
        closest.compactMap { responder in responder.reply.token.map { (responder.contact, $0) } }
    }
}
