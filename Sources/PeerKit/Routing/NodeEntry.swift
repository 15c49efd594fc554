import Foundation

/// A node in the routing table, with what we know of its health.
public struct NodeEntry: Sendable, Hashable {
    var contact: Contact
    /// When the node last answered one of our queries (or, if already known, queried us).
    var seenAt: Timestamp
    /// Queries in a row that it failed to answer; reset by any answer.
    public var failures: Int

    /// When the node was last seen, for people.
    public var lastSeen: Date { seenAt.date }
    public var id: NodeID { contact.id }
    public var address: NodeAddress { contact.address }
}
