import Foundation

/// A snapshot of what a node has done since it started.
public struct NodeStats: Sendable {
    /// Outbound queries of one method and how they ended.
    public struct MethodCounters: Sendable {
        public var sent = 0
        public var succeeded = 0
        public var failed = 0
        /// Queries of this method received from others.
        public var received = 0
        var totalLatency: Double = 0

        /// Mean round-trip time of the queries that succeeded, in seconds.
        public var averageLatency: Double? { succeeded == 0 ? nil : totalLatency / Double(succeeded) }
    }

    var nodeID: NodeID
    public var startedAt: Date
    var localAddress: NodeAddress?
    /// Our address as the majority of responders saw it (BEP 42 `ip`).
    public var externalAddress: NodeAddress?
    public var tableSize = 0
    public var bucketCount = 0
    public var estimatedNetworkSize = 0
    public var keysHeld = 0
    public var valuesHeld = 0
    public var valuesPublished = 0
    /// The ed25519 public key this node signs its mutable items with.
    public var itemPublicKey: [UInt8] = []
    /// BEP 44 items other nodes put here.
    public var itemsHeld = 0
    /// BEP 44 items this node put and keeps putting.
    public var itemsPublished = 0
    /// Announced peers held, over all info hashes.
    public var peersHeld = 0
    /// What held values and announced peers cost against ``NodeConfiguration/storageLimit``, in bytes.
    public var storageUsed = 0
    /// ``NodeConfiguration/storageLimit``, in bytes.
    public var storageLimit = 0
    /// Stores and announcements refused because their source already held the most when storage was full.
    public var storesRefused = 0
    /// Values and announced peers pushed out to make room for another source's.
    public var valuesEvicted = 0
    /// Values dropped because the source that stored them withdrew them (`delete_value`).
    public var valuesWithdrawn = 0
    public var packetsIn = 0
    public var packetsOut = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Datagrams that were not valid bencode or KRPC.
    public var malformedIn = 0
    /// Distinct nodes seen whose ids do not follow their IP address (BEP 42).
    public var nonCompliantNodesSeen = 0
    /// Queries dropped unanswered because their source sent more than its rate.
    public var queriesDropped = 0
    /// The private network the node is on, or nil for the public one.
    public var network: String?
    /// Datagrams from nodes of another network, refused or ignored.
    public var otherNetworkIn = 0
    /// Bans in force.
    public var bans = 0
    /// Datagrams dropped unread because their source is banned.
    public var bannedIn = 0
    public var methods: [String: MethodCounters] = [:]
    /// The node database, or nil when ephemeral.
    public var databasePath: String?
}
