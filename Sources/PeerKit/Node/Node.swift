import Foundation
import Logging
import NIOCore
import NIOPosix

/// A DHT node: a Kademlia routing table, a value store and the KRPC protocol over one UDP socket.
///
/// The actor's executor is the event loop of its UDP channel, so every datagram
/// is handled in the actor without a hop, and the node's state needs no locks.
/// Start one with ``start(_:on:)``, reach the network with ``join(_:)``, and
/// always ``close()`` it: that saves the routing table for the next start.
public actor Node {
    /// This node's id: kept in the database, so it survives restarts.
    public nonisolated let id: NodeID
    public nonisolated let configuration: NodeConfiguration
    nonisolated let eventLoop: any EventLoop

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }

    /// Client name and version sent in `v`: "PK" and 0.1.
    static let clientVersion: [UInt8] = [UInt8(ascii: "P"), UInt8(ascii: "K"), 0, 1]

    let database: NodeDatabase
    let logger: Logger
    let decoder = BencodeDecoder()
    var random: NodeRandom
    var channel: (any Channel)?
    /// The address the socket is bound to.
    public private(set) var localAddress: NodeAddress?

    var table: RoutingTable
    /// Values other nodes stored here (`store_value`).
    var storedValues: ValueStore
    /// Values this node published with ``store(_:at:)``; republished before they expire.
    var publishedValues: ValueStore
    /// Peers announced with `announce_peer`, as compact addresses.
    var announcedPeers: ValueStore
    var tokens: WriteTokens
    var transactions: TransactionTable<PendingQuery>
    var stats: NodeStats
    /// What each recent responder said our address is (BEP 42 `ip`).
    var addressVotes: [NodeAddress: NodeAddress] = [:]
    /// Addresses of nodes that queried us, being pinged before they may enter the table.
    var verifying: Set<NodeAddress> = []
    /// Ids of full buckets' oldest nodes being pinged to see if they can be replaced.
    var evicting: Set<NodeID> = []
    /// Nodes that answered or queried us lately, newest first.
    var recentAddresses = RecentAddresses()
    /// The peers that introduced themselves with `hello`, by node id.
    var neighbourTable: [NodeID: Neighbour] = [:]
    /// The TCP port this node serves files on, told to others in `hello`; nil when it serves none.
    var httpPort: UInt16?
    var inReadBurst = false
    var unflushedWrites = false
    var checkpointTask: Scheduled<Void>?
    var closed = false

    init(configuration: NodeConfiguration, random: NodeRandom, database: NodeDatabase,
         snapshot: NodeDatabase.Snapshot, eventLoop: any EventLoop) {
        var random = random
        let now = configuration.clock()
        let id = snapshot.nodeID ?? NodeID.random(using: &random)
        self.id = id
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.database = database
        var logger = configuration.logger
        logger[metadataKey: "node"] = "\(id.hex.prefix(8))"
        self.logger = logger
        self.table = RoutingTable(ownID: id, bucketSize: configuration.bucketSize, now: now)
        self.storedValues = ValueStore()
        self.publishedValues = ValueStore(maxValuesPerKey: 1000, maxValues: 100_000)
        self.announcedPeers = ValueStore(maxValuesPerKey: 1000, maxValues: 100_000)
        self.tokens = WriteTokens(now: now, rotationInterval: configuration.checkpointInterval, generator: &random)
        self.transactions = TransactionTable(start: UInt16.random(in: 0 ... .max, using: &random))
        self.stats = NodeStats(nodeID: id, startedAt: now, databasePath: database.path)
        self.random = random
        for entry in snapshot.contacts where entry.id != id {
            _ = table.insert(entry.contact, now: entry.lastSeen)
        }
        for record in snapshot.storedValues { storedValues.store(record.value, at: record.key, now: record.refreshedAt) }
        for record in snapshot.publishedValues { publishedValues.store(record.value, at: record.key, now: record.refreshedAt) }
    }

    /// Opens the node's database, binds its UDP socket and starts its timers.
    ///
    /// - Parameters:
    ///   - configuration: where to listen and store, and the protocol settings.
    ///   - group: the event loops; the node runs on one of them.
    ///   - random: ids and choices; pass a seeded one for reproducible tests.
    public static func start(_ configuration: NodeConfiguration,
                             on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             random: NodeRandom = NodeRandom()) async throws(NodeError) -> Node {
        let database = try NodeDatabase(location: configuration.storage, port: configuration.port)
        let snapshot = try database.load()
        let node = Node(configuration: configuration, random: random, database: database, snapshot: snapshot,
                        eventLoop: group.next())
        if snapshot.nodeID == nil { try database.saveNodeID(node.id) }
        let channel = try await UDPSocket.bind(host: configuration.host, port: configuration.port, on: node.eventLoop,
                                               handler: DatagramHandler(node: node))
        await node.attach(channel, reloadedContacts: snapshot.contacts.count)
        return node
    }

    private func attach(_ channel: any Channel, reloadedContacts: Int) {
        self.channel = channel
        localAddress = channel.localAddress.flatMap(NodeAddress.init)
        stats.localAddress = localAddress
        logger.info("listening", metadata: ["address": "\(localAddress.map(String.init(describing:)) ?? "?")"])
        scheduleCheckpoint(after: configuration.firstCheckpoint)
        if reloadedContacts > 0 { Task { await self.refreshReloadedTable() } }
    }

    /// Saves the routing table and values, then closes the socket. Queries in flight end as cancelled.
    public func close() async {
        guard !closed else { return }
        closed = true
        checkpointTask?.cancel()
        for pending in transactions.removeAll() {
            pending.cancelTimers()
            pending.continuation?.resume(returning: .cancelled)
        }
        await saveState()
        database.close()
        try? await channel?.close()
        channel = nil
    }

    /// The routing table, closest to our own id first.
    public func routingTable() -> [NodeEntry] {
        table.closest(to: id, count: table.count)
    }

    /// Counters, sizes and addresses, for `stats`.
    public func statistics() -> NodeStats {
        var snapshot = stats
        snapshot.tableSize = table.count
        snapshot.bucketCount = table.buckets.count
        snapshot.estimatedNetworkSize = table.estimatedNetworkSize
        snapshot.keysHeld = storedValues.keyCount
        snapshot.valuesHeld = storedValues.valueCount
        snapshot.valuesPublished = publishedValues.valueCount
        snapshot.externalAddress = externalAddress
        return snapshot
    }

    /// Addresses of nodes that answered or queried this node lately, newest first; unlike
    /// ``routingTable()`` it includes nodes whose buckets were full.
    public func recentlySeen() -> [NodeAddress] {
        recentAddresses.addresses
    }

    /// The keys this node holds values for, stored by others or published here.
    public func heldKeys() -> [NodeID] {
        Array(Set(storedValues.records.map(\.key) + publishedValues.records.map(\.key)))
    }

    /// Every value this node holds: those other nodes stored here, and its own, which it
    /// republishes (`published`). Newest first.
    public func heldValues() -> [HeldValue] {
        let published = publishedValues.records.map {
            HeldValue(key: $0.key, value: $0.value, refreshedAt: $0.refreshedAt, published: true)
        }
        let stored = storedValues.records.filter { !publishedValues.contains($0.value, at: $0.key) }.map {
            HeldValue(key: $0.key, value: $0.value, refreshedAt: $0.refreshedAt, published: false)
        }
        return (published + stored).sorted { $0.refreshedAt > $1.refreshedAt }
    }

    /// The address most recent responders agree we have.
    var externalAddress: NodeAddress? {
        var counts: [NodeAddress: Int] = [:]
        for address in addressVotes.values { counts[address, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key
    }

    var now: Date { configuration.clock() }

    func isAllowed(_ address: NodeAddress) -> Bool {
        address.port != 0 && (configuration.allowLocalAddresses || !address.isLocal)
    }
}
