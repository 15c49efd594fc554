import Foundation
import Logging

/// Every setting of a node, each with the default it runs with.
///
/// An application sets where the node listens and keeps its state, its clock and its
/// logger. The protocol's constants follow apt-p2p's Khashmir, whose values were tuned on
/// a deployed network; they are internal, so that nodes of one network agree on them,
/// and tests shorten them.
public struct NodeConfiguration: Sendable {
    /// Address to bind the UDP socket to.
    public var host = "0.0.0.0"
    /// UDP port; 0 picks any free port.
    public var port = 6881
    /// Where the node id, routing table and values live.
    public var storage = StorageLocation.ephemeral

    /// K: nodes per bucket, and how many closest nodes a lookup collects.
    var k = 8
    /// CONCURRENT_REQS: queries a lookup keeps in flight.
    var concurrentRequests = 8
    /// STORE_REDUNDANCY: how many nodes a store must reach.
    var storeRedundancy = 6
    /// RETRIEVE_VALUES: which nodes a get asks for values.
    var retrieveValues = RetrieveValues.fromClosest(10_000)

    /// After the first send, when a query is sent again (Khashmir: 2 s, then 6 s).
    var queryResendDelays: [Duration] = [.seconds(2), .seconds(6)]
    /// After the first send, when a query has failed.
    var queryTimeout: Duration = .seconds(9)
    /// How long a lookup waits on one node before looking past it: learned from observed round
    /// trips (see ``RoundTripEstimator``), within these bounds. The query itself runs on to
    /// `queryTimeout`; a late answer is still used, and silence still counts against the node.
    var lookupWaitBounds: ClosedRange<Duration> = .milliseconds(2) ... .seconds(2)

    /// From start to the first checkpoint.
    var firstCheckpoint: Duration = .seconds(60)
    /// CHECKPOINT_INTERVAL: between checkpoints (±10% jitter). Each one rotates the token
    /// secret, saves state, expires values, republishes and refreshes stale buckets.
    var checkpointInterval: Duration = .seconds(300)
    /// BUCKET_STALENESS: an untouched bucket is refreshed after this long.
    var bucketStaleness: Duration = .seconds(3600)
    /// MIN_PING_INTERVAL: a full bucket's oldest node is pinged (to make room) only if unseen this long.
    var minPingInterval: Duration = .seconds(900)
    /// MAX_FAILURES: failed queries in a row after which a node leaves the table.
    var maxFailures = 3
    /// How often the stabilizer looks for nodes to ping.
    var stabilizeInterval: Duration = .seconds(1)
    /// A node not heard from for this long is pinged by the stabilizer. A silent ping counts a
    /// failure at its first resend, a node with a failure is pinged again at the next tick, and
    /// three remove it: a node that left is gone from the table within about 70 s, within seconds
    /// of a query it left unanswered.
    var livenessAge: Duration = .seconds(60)
    /// The stabilizer's period: within this long of a node's last sign of life, it has answered
    /// again or failed a liveness ping (pinged at LIVENESS_AGE, on the next stabilizer tick, and
    /// counted as failed at its first resend), and is no longer handed out. With the defaults, 63 s.
    package var stabilizerPeriod: Duration {
        livenessAge + stabilizeInterval + (queryResendDelays.min() ?? queryTimeout)
    }
    /// Liveness pings in flight at most, so a table full of departed nodes is checked at a bounded
    /// pace: a departed node holds its slot for `queryTimeout` and sends 3 datagrams, so at most
    /// about 21 datagrams a second, however many nodes left at once.
    var maxLivenessPings = 64
    /// Nodes handed out in answers must have answered (or queried) us within this long and not failed since.
    var goodNodeAge: Duration = .seconds(15 * 60)
    /// KEY_EXPIRE: how long a stored value lives without being stored again.
    var keyExpire: Duration = .seconds(3 * 3600)
    /// KEY_REFRESH: values this node stored are republished after this long.
    var keyRefresh: Duration = .seconds(9000)
    /// How long an `announce_peer` record lives.
    var peerExpire: Duration = .seconds(45 * 60)
    /// How long a BEP 44 item lives without being put again (the BEP's two hours).
    var itemExpire: Duration = .seconds(2 * 3600)
    /// Items this node put are put again after this long (the BEP asks for hourly).
    var itemRefresh: Duration = .seconds(3600)

    /// How often a watch renews its listens (half their lifetime on the holders, so that one
    /// lost renewal does not end them), looking the key up again on the way.
    var watchRefresh: Duration = .seconds(60)
    /// How often a watch polls when no holder takes its listen, and a mutable item's watch always:
    /// one lookup each time, a bounded rate on any network.
    var watchPollInterval: Duration = .seconds(5)

    /// Largest value `store` accepts, so that a `store_value` query fits one datagram.
    var maxValueSize = 1000
    /// Largest datagram the node sends; value lists are trimmed to fit (Khashmir's UDP_PACKET_LIMIT, with room for headers).
    var maxDatagramSize = 1400
    /// Accept loopback, private and link-local addresses into the table. LANs and tests need them.
    public var allowLocalAddresses = true
    /// Bytes of memory that what other nodes store here may take: values (`store_value`) get
    /// three quarters, BEP 44 items (`put`) one eighth and peers announced with `announce_peer`
    /// one eighth, so none crowds out the others. Each value is charged its bytes, its key's and the tables' overhead (about
    /// 210 bytes), so the limit bounds memory, not only payload. When one is full, a new value
    /// or peer takes the room of the oldest ones of the source (IP address; address and port on
    /// loopback) holding the most, or is refused if that is its own source: a flood takes only
    /// room nobody else wants. OpenDHT's default, 64 MiB.
    public var storageLimit = 64 << 20
    /// The part of ``storageLimit`` for values.
    var valueStorageLimit: Int { storageLimit - storageLimit / 8 - storageLimit / 8 }
    /// The part of ``storageLimit`` for BEP 44 items.
    var itemStorageLimit: Int { storageLimit / 8 }
    /// The part of ``storageLimit`` for announced peers.
    var peerStorageLimit: Int { storageLimit / 8 }

    /// BEP 42: refuse nodes whose ids do not follow their IP address (libtorrent's
    /// `dht_enforce_node_id`): their queries get 203 "invalid node ID", and they never enter the
    /// table nor a lookup. Off by default, as in libtorrent and jech/dht: many nodes behind one
    /// NAT, or that never learned their address, are not compliant. Either way this node takes
    /// a compliant id itself once it knows its address, and prefers compliant nodes in full buckets.
    public var enforceNodeID = false

    /// The private network this node is on (`--network`, ``NetworkID``), or nil for the public
    /// network that every mainline node is on. A node answers and learns only from nodes of its
    /// own network: others get error 203 "node is on network …", and their answers end a query
    /// with that error, so stores, gets and lookups never cross networks.
    public var network: String?

    /// ``network`` as it rides in each datagram's `n`.
    var networkBytes: [UInt8]? { network.map { Array($0.utf8) } }

    /// The most nodes the routing table holds (btpeer's max-peers; `--max-peers`): a node on a
    /// small machine, or one that should know few others, caps it. A full table keeps newcomers
    /// only as candidates for the places of nodes that fail. No cap by default: the table's
    /// size follows the network's (about 8 · log2 of its node count).
    public var routingTableCapacity = Int.max

    /// Queries a second answered per source (an IP address; an address and port on loopback),
    /// with a burst of a quarter of that, and 16 times that from all sources together (with a
    /// second's worth of burst). Queries over it get no answer. 0 turns the limit off
    /// (benchmarks, labs).
    public var queryRateLimit = 1000

    /// Every timing of the node reads this clock; tests pass one they advance by hand.
    var clock: any DHTClock = SystemClock()
    /// Node ids and the protocol's choices; tests pass a seeded one for reproducible runs.
    var random = NodeRandom()
    /// Where the node logs; stderr via swift-log by default.
    public var logger = Logger(label: "peerkit")

    public init() {}
}
