import Foundation

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
    /// True when no peer was known: the value is kept here and published when the node joins.
    public var keptHere = false
}

/// What ``Node/unstore(_:value:)`` withdrew.
public struct UnstoreResult: Sendable {
    /// This node's values that it stopped republishing and dropped.
    public let values: [[UInt8]]
    /// The holders that dropped at least one of them.
    public let droppedBy: [Contact]
    /// The closest nodes asked to drop them.
    public let asked: Int
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

/// What ``Node/ping(_:)`` learned from one node.
public struct PingResult: Sendable {
    /// The node that answered, with the id it answered with.
    public let contact: Contact
    /// From sending the query to its answer.
    public let roundTrip: Duration
    /// The address the node saw this one at (BEP 42 `ip`), when it said.
    public let observedAddress: NodeAddress?
    /// The node's client version (`v`), as it sent it: text from the network, not to be printed raw.
    public let clientVersion: [UInt8]?
}

/// A value this node holds (``Node/heldValues()``).
public struct HeldValue: Sendable {
    public let key: NodeID
    /// The value's bytes, as stored: from the network, not to be printed raw.
    public let value: [UInt8]
    /// When it was stored or last refreshed; it expires KEY_EXPIRE after that.
    public let refreshedAt: Date
    /// This node's own value, which it republishes while it runs.
    public let published: Bool
}

/// What ``Node/putImmutable(_:)`` and ``Node/putMutable(_:salt:sequence:cas:)`` did.
public struct PutResult: Sendable {
    /// Where the item lives: `get` it with this target (or, for a mutable one, with the key and salt).
    public let target: NodeID
    /// The sequence number a mutable item was put with; nil for an immutable one.
    public let sequence: Int64?
    /// The nodes that acknowledged the item.
    public let storedOn: [Contact]
    /// Queries sent, lookup included.
    public let queries: Int
}

/// What ``Node/getItem(_:publicKey:salt:)`` found.
public struct ItemResult: Sendable {
    /// The item, verified against its target; for a mutable one, the highest sequence number seen.
    public let item: Item?
    /// Nodes that returned a verified item (this one counted once when it holds it).
    public let sources: Int
    /// Queries sent, lookup included.
    public let queries: Int
}

/// What ``Node/sampleInfohashes(at:)`` learned from one node (BEP 51).
public struct SampleResult: Sendable {
    /// Info hashes announced to the node, a sample of at most 20 (libtorrent's figure).
    public let infoHashes: [InfoHash]
    /// How many info hashes the node holds in all, when it said.
    public let total: Int?
    /// How long the node asks samplers to wait before asking again, when it said.
    public let interval: Duration?
}

/// A BEP 44 item this node holds (``Node/heldItems()``).
public struct HeldItem: Sendable {
    /// The item, as put: from the network, its value not to be printed raw.
    public let item: Item
    /// When it was put or last put again; it expires 2 hours after that.
    public let refreshedAt: Date
    /// This node's own item, which it puts again while it runs.
    public let published: Bool
}

/// The peers announced to this node for one info hash (``Node/heldSwarms()``).
public struct HeldSwarm: Sendable {
    public let infoHash: InfoHash
    public let peers: [NodeAddress]
    /// The most recent announcement; each expires 45 minutes after it was made.
    public let refreshedAt: Date
}
