/// A query another node sent, as a handler sees it.
package struct InboundQuery: Sendable {
    let method: String
    package let arguments: Arguments
    /// The socket's source address, never the message's claim.
    package let sender: NodeAddress
    /// The id the sender gave.
    package let senderID: NodeID
}

/// Answers one KRPC method added to the node from outside the core (file sharing's `hello`):
/// the response's fields without `id`, or a KRPC error for the sender.
package typealias QueryHandler = @Sendable (InboundQuery) throws(KRPCError) -> BencodeDictionary
