import Foundation
import Logging

/// Every setting of a node, each with the default it runs with.
///
/// Defaults follow apt-p2p's Khashmir, whose values were tuned on a deployed
/// network; the time-based ones can be shortened in tests.
public struct NodeConfiguration: Sendable {
    /// Address to bind the UDP socket to.
    public var host = "0.0.0.0"
    /// UDP port; 0 picks any free port.
    public var port = 6881
    /// Where the node id, routing table and values live.
    public var storage = StorageLocation.ephemeral

    /// K: nodes per bucket, and how many closest nodes a lookup collects.
    public var bucketSize = 8
    /// CONCURRENT_REQS: queries a lookup keeps in flight.
    public var concurrentRequests = 8
    /// STORE_REDUNDANCY: how many nodes a store must reach.
    public var storeRedundancy = 6
    /// RETRIEVE_VALUES: which nodes a get asks for values.
    public var retrieveValues = RetrieveValues.fromClosest(10_000)

    /// Seconds after the first send at which a query is sent again (Khashmir: 2 s, then 6 s).
    public var queryResendDelays: [Double] = [2, 6]
    /// Seconds after the first send at which a query has failed.
    public var queryTimeout: Double = 9
    /// Seconds a lookup waits on one node before looking past it (the query itself runs on
    /// to `queryTimeout`, and still counts against the node if it fails).
    public var lookupStallTimeout: Double = 2

    /// Seconds from start to the first checkpoint.
    public var firstCheckpoint: Double = 60
    /// CHECKPOINT_INTERVAL: seconds between checkpoints (±10% jitter). Each one rotates the
    /// token secret, saves state, expires values and refreshes stale buckets.
    public var checkpointInterval: Double = 300
    /// BUCKET_STALENESS: seconds after which an untouched bucket is refreshed.
    public var bucketStaleness: Double = 3600
    /// MIN_PING_INTERVAL: a full bucket's oldest node is pinged (to make room) only if unseen this long.
    public var minPingInterval: Double = 900
    /// MAX_FAILURES: failed queries in a row after which a node leaves the table.
    public var maxFailures = 3
    /// KEY_EXPIRE: seconds a stored value lives without being stored again.
    public var keyExpire: Double = 3 * 3600
    /// KEY_REFRESH: seconds after which values this node stored are republished.
    public var keyRefresh: Double = 2.5 * 3600
    /// Seconds an `announce_peer` record lives.
    public var peerExpire: Double = 45 * 60

    /// Largest value `store` accepts, so that a `store_value` query fits one datagram.
    public var maxValueSize = 1000
    /// Largest datagram the node sends; value lists are trimmed to fit (Khashmir's UDP_PACKET_LIMIT, with room for headers).
    public var maxDatagramSize = 1400
    /// Accept loopback, private and link-local addresses into the table. LANs and tests need them.
    public var allowLocalAddresses = true

    /// The wall clock; injected in tests.
    public var clock: @Sendable () -> Date = { Date() }
    /// Where the node logs; stderr via swift-log by default.
    public var logger = Logger(label: "peerkit")

    public init() {}
}
