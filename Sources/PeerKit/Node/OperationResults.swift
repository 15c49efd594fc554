/// What ``Node/join(_:)`` found.
public struct JoinResult: Sendable {
    /// The node that answered at the given address.
    public let contact: Contact
    /// Nodes in our routing table after the lookup of our own id.
    public let knownNodes: Int
}

/// What ``Node/store(_:at:)`` did.
public struct StoreResult: Sendable {
    /// The nodes that acknowledged the value.
    public let storedOn: [Contact]
    /// Queries sent, lookup included.
    public let queries: Int
}

/// What ``Node/get(_:)`` found.
public struct GetResult: Sendable {
    /// Distinct values, those held here first.
    public let values: [[UInt8]]
    /// Nodes that returned values.
    public let sources: Int
    /// Queries sent, lookup included.
    public let queries: Int
}
