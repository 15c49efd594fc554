/// A query another node sent, as a handler sees it.
struct InboundQuery: Sendable {
    let method: String
    let arguments: Arguments
    /// The socket's source address, never the message's claim.
    let sender: NodeAddress
    /// The id the sender gave.
    let senderID: NodeID
}

/// Answers one KRPC method added to the node from outside the core (file sharing's `hello`),
/// given the query's arguments and its sender (the id it gave, at the socket's address):
/// the response's fields without `id`, or a KRPC error for the sender.
package typealias QueryHandler = @Sendable (Arguments, Contact) throws(KRPCError) -> BencodeDictionary
