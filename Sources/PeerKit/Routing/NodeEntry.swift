/// A node in the routing table, with what we know of its health.
public struct NodeEntry: Sendable, Hashable {
    public var contact: Contact
    /// When the node last answered one of our queries (or, if already known, queried us).
    public var lastSeen: Timestamp
    /// Queries in a row that it failed to answer; reset by any answer.
    public var failures: Int

    public var id: NodeID { contact.id }
    public var address: NodeAddress { contact.address }
}
