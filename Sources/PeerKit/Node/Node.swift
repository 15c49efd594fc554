import Crypto
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A DHT node: a Kademlia routing table, a value store and the KRPC protocol over one UDP socket.
///
/// The protocol itself is a ``ProtocolEngine``, free of I/O; the node binds it to a UDP
/// channel and a clock. The actor's executor is the channel's event loop, so every
/// datagram reaches the engine without a hop, and the node's state needs no locks.
/// Start one with ``start(_:on:random:)``, reach the network with ``join(_:)``, and
/// always ``close()`` it: that saves the routing table for the next start.
public actor Node {
    /// This node's id: kept in the database, so it survives restarts. Replaced once by a BEP 42
    /// compliant id when the node learns that other nodes see it at a public address.
    public nonisolated var id: NodeID { identity.withLock { $0 } }
    /// The id behind ``id``: written only by the actor (when the engine takes a new one), read
    /// from anywhere without a hop, which is why it sits behind a lock of its own.
    nonisolated let identity: Mutex<NodeID>
    public nonisolated let configuration: NodeConfiguration
    nonisolated let eventLoop: any EventLoop

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }

    /// The node's SQLite database; file sharing keeps its own tables in it.
    package nonisolated let database: NodeDatabase
    /// Durations of queries and lookups, for `GET /metrics`.
    public nonisolated let metrics = NodeMetrics()
    /// Signs this node's mutable BEP 44 items; kept in the data directory (``SigningKeyFile``).
    nonisolated let signingKey: Curve25519.Signing.PrivateKey
    let logger: Logger
    var engine: ProtocolEngine
    var channel: (any Channel)?
    /// The address the socket is bound to.
    public private(set) var localAddress: NodeAddress?
    /// The callers waiting for their queries, by transaction id.
    var waiting: [UInt16: CheckedContinuation<QueryOutcome, Never>] = [:]
    /// The task that sleeps until the engine's next deadline, and when.
    var timer: (task: Task<Void, Never>, deadline: Timestamp)?
    var maintenance: Task<Void, Never>?
    /// Value changes waiting for the database, and the batch being written, if any.
    var pendingValueWrites = PendingValueWrites()
    var valueWriting: Task<Void, Never>?
    /// The table's ``RoutingTable/changes`` at its last save, and the save running now, if any.
    var tableChangesSaved = 0
    var tableSaving: Task<Void, Never>?
    /// The watches of keys running now, by number (``watch(_:)``).
    var watches: [Int: WatchState] = [:]
    var nextWatch = 0
    /// A copy of the engine's bans for the file server's event loops (``bans(_:)``): written only
    /// by the actor whenever the bans change, read from anywhere, hence its own lock.
    nonisolated let banMirror = Mutex(BanList())
    /// The last write of the bans, and why it failed, if it did.
    var banSaving: Task<Void, Never>?
    var banSaveFailure: String?
    /// The callers waiting for their lookups, by the engine's number for each.
    var lookupWaiting: [Int: CheckedContinuation<LookupResult, Never>] = [:]
    var inReadBurst = false
    var unflushedWrites = false
    var closed = false

    private init(configuration: NodeConfiguration, database: NodeDatabase, state: StoredState,
                 signingKey: Curve25519.Signing.PrivateKey, eventLoop: any EventLoop) {
        self.signingKey = signingKey
        var logger = configuration.logger
        engine = ProtocolEngine(configuration: configuration, state: state, databasePath: database.path,
                                random: configuration.random, logger: logger, now: configuration.clock.now)
        identity = Mutex(engine.id)
        logger[metadataKey: "node"] = "\(engine.id.hex.prefix(8))"
        self.logger = logger
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.database = database
    }

    /// Opens the node's database, binds its UDP socket and starts its timers.
    ///
    /// - Parameters:
    ///   - configuration: where to listen and store, and the protocol settings.
    ///   - group: the event loops; the node runs on one of them.
    public static func start(_ configuration: NodeConfiguration,
                             on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws(NodeError) -> Node {
        let database = try NodeDatabase(location: configuration.storage, port: configuration.port,
                                        logger: configuration.logger)
        let state = try database.load()
        let signingKey = try SigningKeyFile.load(in: configuration.storage)
        let node = Node(configuration: configuration, database: database, state: state, signingKey: signingKey,
                        eventLoop: group.next())
        if state.nodeID == nil { try database.saveNodeID(node.id) }
        let channel = try await UDPSocket.bind(host: configuration.host, port: configuration.port, on: node.eventLoop,
                                               handler: DatagramHandler(node: node))
        await node.attach(channel, reloadedContacts: state.contacts.count)
        return node
    }

    private func attach(_ channel: any Channel, reloadedContacts: Int) {
        self.channel = channel
        let bans = engine.bans
        banMirror.withLock { $0 = bans }
        localAddress = channel.localAddress.flatMap(NodeAddress.init)
        engine.stats.localAddress = localAddress
        logger.info("listening", metadata: ["address": "\(localAddress.map(String.init(describing:)) ?? "?")"])
        armTimer()
        if reloadedContacts > 0 { Task { await self.refreshReloadedTable() } }
    }

    /// Saves the routing table and values, then closes the socket. Queries in flight end as cancelled.
    public func close() async {
        guard !closed else { return }
        closed = true
        for watch in watches.values { watch.continuation.finish() }
        watches = [:]
        timer?.task.cancel()
        timer = nil
        maintenance?.cancel()
        engine.cancelAll(now: now)
        process(engine.takeOutput())
        await saveState()
        database.close()
        try? await channel?.close()
        channel = nil
    }

    /// Adds a KRPC method to those the node answers (file sharing's `hello`).
    package func register(_ method: String, handler: @escaping QueryHandler) {
        engine.register(method, handler: handler)
    }

    /// The routing table, closest to our own id first.
    public func routingTable() -> [NodeEntry] {
        engine.table.closest(to: id, count: engine.table.count)
    }

    /// The index of the bucket `id` falls in, as ``routingTable()`` reports it.
    public func bucketIndex(of id: NodeID) -> Int {
        engine.table.bucketIndex(for: id)
    }

    /// Counters, sizes and addresses, for `stats`.
    public func statistics() -> NodeStats {
        var statistics = engine.statistics
        statistics.itemPublicKey = Array(signingKey.publicKey.rawRepresentation)
        return statistics
    }

    /// The public key of this node's mutable items, 32 bytes: `get` it with a salt to read them.
    public nonisolated var itemPublicKey: [UInt8] { Array(signingKey.publicKey.rawRepresentation) }

    /// Whether the node at `address` speaks `method`, as far as this node has learned (a method
    /// beyond BEP 5 that it refused as unknown or ignored lately: false).
    public func speaks(_ method: String, at address: NodeAddress) -> Bool {
        engine.methodSupport.speaks(method, at: address, now: now)
    }

    /// Addresses of nodes that answered or queried this node lately, newest first; unlike
    /// ``routingTable()`` it includes nodes whose buckets were full.
    public func recentlySeen() -> [NodeAddress] {
        engine.recentAddresses.addresses
    }

    /// Every value this node holds: those other nodes stored here, and its own, which it
    /// republishes (`published`). Newest first.
    public func heldValues() -> [HeldValue] {
        // A value kept here before any peer was known has the refresh time that makes it due
        // (``keptHere``); it is shown as stored now.
        let published = engine.publishedValues.records.map {
            HeldValue(key: $0.key, value: $0.value, refreshedAt: ($0.refreshedAt == Self.keptHere ? now : $0.refreshedAt).date,
                      published: true)
        }
        let stored = engine.storedValues.records.filter { !engine.publishedValues.contains($0.value, at: $0.key) }.map {
            HeldValue(key: $0.key, value: $0.value, refreshedAt: $0.refreshedAt.date, published: false)
        }
        return (published + stored).sorted { $0.refreshedAt > $1.refreshedAt }
    }

    /// Every BEP 44 item this node holds: those other nodes put here, and its own, which it
    /// puts again while it runs (`published`). Newest first.
    public func heldItems() -> [HeldItem] {
        let published = engine.publishedItems.records.compactMap { record in
            Item(storageBytes: record.value).map { HeldItem(item: $0, refreshedAt: record.refreshedAt.date, published: true) }
        }
        let own = Set(published.map(\.item))
        let stored = engine.storedItems.records.compactMap { record in
            Item(storageBytes: record.value).map { HeldItem(item: $0, refreshedAt: record.refreshedAt.date, published: false) }
        }.filter { !own.contains($0.item) }
        return (published + stored).sorted { $0.refreshedAt > $1.refreshedAt }
    }

    /// The BitTorrent peers announced to this node, by info hash, the most recent announcement first.
    public func heldSwarms() -> [HeldSwarm] {
        let byHash = Dictionary(grouping: engine.announcedPeers.records, by: \.key)
        return byHash.map { infoHash, records in
            HeldSwarm(infoHash: infoHash, peers: records.compactMap { NodeAddress(compact: $0.value) },
                      refreshedAt: records.map(\.refreshedAt).max()!.date)
        }.sorted { $0.refreshedAt > $1.refreshedAt }
    }

    /// Saves the routing table now, so that a node killed before its first checkpoint still
    /// finds its peers on restart (a join calls it; checkpoints save it too).
    public func saveRoutingTable() async {
        do {
            try await database.saveContacts(engine.table.entries)
        } catch {
            logger.error("cannot save the routing table", metadata: ["error": "\(error)"])
        }
    }

    var now: Timestamp { configuration.clock.now }

    func saveState() async {
        await tableSaving?.value
        do {
            try await database.saveContacts(engine.table.entries)
            await writeAllValueChanges()
            await database.flush()
        } catch {
            logger.error("cannot save the routing table", metadata: ["error": "\(error)"])
        }
    }
}
