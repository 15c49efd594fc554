import Logging

/// The KRPC protocol without I/O: datagrams in, datagrams out, on an injected clock.
///
/// It decodes and answers queries, matches answers to the queries it sent, resends
/// and times them out, keeps the routing table fresh from the traffic it sees, hands
/// out and checks write tokens, and runs the checkpoint. Every call takes the time
/// as a parameter and nothing in it sleeps, so tests drive it by hand; ``Node``
/// binds it to a UDP socket and a real clock.
///
/// After each call, ``takeOutput()`` holds what to send and which queries ended.
struct ProtocolEngine {
    /// What the engine wants done after a call.
    struct Output {
        /// Datagrams to send (queries and resends; answers are returned by ``receive(_:from:now:)``).
        var datagrams: [(address: NodeAddress, bytes: [UInt8])] = []
        /// Queries of ``QueryPurpose/caller`` that ended, by transaction id.
        var finished: [(key: UInt16, outcome: QueryOutcome)] = []
        /// Lookups that ended, by the number ``startLookup(_:now:)`` gave them.
        var finishedLookups: [(number: Int, result: LookupResult)] = []
        /// Queries of the node's callers and lookups that were answered, and how long each took.
        var answeredQueries: [(method: String, took: Duration)] = []
        /// Values to save to or delete from the database.
        var valueChanges: [ValueChange] = []
        /// The asynchronous half of a checkpoint, when one ran.
        var maintenance: MaintenanceWork?
        /// The earliest deadline of the queries started since the last output: the node's
        /// timer must wake by then.
        var earliestNewDeadline: Timestamp?
        /// A new node id the engine took (BEP 42): save it.
        var adoptedID: NodeID?
        /// Bans were added, lifted or ended: save them.
        var bansChanged = false
        /// New values under keys, for the node's watches: told by `from` (`notify`), or stored
        /// here (`from` nil).
        var heard: [(key: NodeID, values: [[UInt8]], from: NodeAddress?)] = []
    }

    /// Client name and version sent in `v`: "PK" and 0.1.
    static let clientVersion: [UInt8] = [UInt8(ascii: "P"), UInt8(ascii: "K"), 0, 1]
    /// Largest datagram decoded; anything bigger is not KRPC.
    static let maxInboundDatagram = 4096

    /// This node's id; replaced once by a BEP 42 compliant one when the node learns a public
    /// address (``adoptCompliantID(now:)``), and by nothing else.
    var id: NodeID
    let configuration: NodeConfiguration
    let logger: Logger
    let decoder = BencodeDecoder()
    /// The private network this node is on (``NodeConfiguration/network``); nil for the public one.
    let network: [UInt8]?
    var random: NodeRandom

    var table: RoutingTable
    /// Values other nodes stored here (`store_value`).
    var storedValues: ValueStore
    /// Values this node published; republished before they expire.
    var publishedValues: ValueStore
    /// Peers announced with `announce_peer`, as compact addresses.
    var announcedPeers: ValueStore
    /// BEP 44 items other nodes put here, one per target (``Item/storageBytes``).
    var storedItems: ValueStore
    /// BEP 44 items this node put; put again before they expire.
    var publishedItems: ValueStore
    /// Info hashes this node provides itself, at which port, since when: it lists itself in its
    /// own `get_peers` answers for them, as long as an announced peer would be listed.
    var providing: [InfoHash: (port: UInt16, at: Timestamp)] = [:]
    var tokens: WriteTokens
    /// Queries over a source's rate get no answer.
    var limiter: QueryLimiter
    /// Watchers of keys held here (`listen`), told of each new value.
    var listens = ListenRegistry()
    /// Sources the operator banned: nothing from them is read, nothing is sent to them.
    var bans = BanList()
    var transactions: TransactionTable<PendingQuery>
    var stats: NodeStats
    /// Handlers of methods added from outside the core, by method name.
    var extensionHandlers: [String: QueryHandler] = [:]
    /// Nodes that do not speak methods beyond BEP 5, learned from their answers and silences.
    var methodSupport = MethodSupport()
    /// What each recent responder said our address is (BEP 42 `ip`).
    var addressVotes: [NodeAddress: NodeAddress] = [:]
    /// The most common of `addressVotes` and its count.
    var addressTally: (address: NodeAddress, votes: Int)?
    /// Addresses of nodes that queried us, being pinged before they may enter the table.
    var verifying: Set<NodeAddress> = []
    /// Ids of full buckets' oldest nodes being pinged to see if they can be replaced.
    var evicting: Set<NodeID> = []
    /// Distinct nodes seen whose ids do not follow their address (BEP 42), up to a bound.
    var nonCompliantSeen: Set<NodeID> = []
    /// Nodes that answered or queried us lately, newest first.
    var recentAddresses = RecentAddresses()
    /// When the next checkpoint runs.
    var nextCheckpoint: Timestamp
    /// When the stabilizer next looks for nodes to ping.
    var nextStabilize: Timestamp
    /// Nodes the stabilizer is pinging now.
    var livenessPings: Set<NodeID> = []
    /// The lookups running, by number, and the number of the next one.
    var lookups: [Int: ActiveLookup] = [:]
    var nextLookup = 0
    /// How long lookups wait on a node before looking past it, learned from the round trips
    /// their answers took.
    var lookupRoundTrips: RoundTripEstimator
    var output = Output()

    /// An engine resuming from `state`: its node id (or a new random one), contacts and values.
    /// Values over the storage limit (lowered since they were saved) go, by the fair-share rule.
    init(configuration: NodeConfiguration, state: StoredState, databasePath: String?, random: NodeRandom,
         logger: Logger, now: Timestamp) {
        var random = random
        let id = state.nodeID ?? NodeID.random(using: &random)
        self.id = id
        self.configuration = configuration
        self.network = configuration.networkBytes
        self.logger = logger
        self.table = RoutingTable(ownID: id, k: configuration.k, capacity: configuration.routingTableCapacity, now: now)
        self.storedValues = ValueStore(maxBytes: configuration.valueStorageLimit)
        self.publishedValues = ValueStore(maxBytes: .max, maxValuesPerKey: .max)
        self.announcedPeers = ValueStore(maxBytes: configuration.peerStorageLimit, maxValuesPerKey: 1000)
        self.storedItems = ValueStore(maxBytes: configuration.itemStorageLimit, maxValuesPerKey: 1)
        self.publishedItems = ValueStore(maxBytes: .max, maxValuesPerKey: 1)
        self.tokens = WriteTokens(now: now, rotationInterval: configuration.checkpointInterval, generator: &random)
        self.limiter = QueryLimiter(rate: configuration.queryRateLimit, now: now)
        self.transactions = TransactionTable(start: UInt16.random(in: 0 ... .max, using: &random))
        self.stats = NodeStats(nodeID: id, startedAt: now.date, databasePath: databasePath)
        self.nextCheckpoint = now + configuration.firstCheckpoint
        self.nextStabilize = now + configuration.stabilizeInterval
        self.lookupRoundTrips = RoundTripEstimator(bounds: configuration.lookupWaitBounds)
        self.random = random
        for ban in state.bans { _ = bans.insert(ban.rule, until: ban.until) }
        for entry in state.contacts where entry.id != id && !bans.covers(entry.address) {
            _ = table.insert(entry.contact, now: entry.seenAt)
        }
        output.valueChanges = Self.reload(state.storedValues, into: &storedValues).map { .delete($0, from: .stored) }
            + Self.reload(state.storedItems, into: &storedItems).map { .delete($0, from: .items) }
        for record in state.publishedValues { publishedValues.store(record.value, at: record.key, now: record.refreshedAt) }
        for record in state.publishedItems { publishedItems.store(record.value, at: record.key, now: record.refreshedAt) }
    }

    /// Fills a store with saved records, oldest first; returns those the limit no longer admits.
    private static func reload(_ records: [ValueStore.Record], into store: inout ValueStore) -> [ValueStore.Record] {
        var evicted: [ValueStore.Record] = []
        for record in records.sorted(by: { $0.refreshedAt < $1.refreshedAt }) {
            let outcome = store.store(record.value, at: record.key, from: record.source, now: record.refreshedAt)
            evicted += outcome.evicted
            if !outcome.stored { evicted.append(record) }
        }
        return evicted
    }

    /// Hands over what the last calls produced.
    mutating func takeOutput() -> Output {
        defer { output = Output() }
        return output
    }

    /// The next moment ``advance(to:)`` has work: a resend, a timeout, a lookup's wait on a slow
    /// node, the stabilizer or the checkpoint.
    var nextDeadline: Timestamp {
        let upkeep = min(nextCheckpoint, nextStabilize, bans.nextExpiry ?? nextCheckpoint, nextLookupDeadline ?? nextCheckpoint)
        return transactions.values.reduce(upkeep) { min($0, $1.nextDeadline) }
    }

    // MARK: Inbound

    /// Handles one datagram from `sender`; returns the answer to send back to it, if any.
    mutating func receive(_ datagram: UnsafeRawBufferPointer, from sender: NodeAddress, now: Timestamp) -> [UInt8]? {
        stats.packetsIn += 1
        stats.bytesIn += datagram.count
        if bans.covers(sender) {
            stats.bannedIn += 1
            return nil
        }
        guard datagram.count <= Self.maxInboundDatagram, sender.port != 0 else {
            stats.malformedIn += 1
            return nil
        }
        let message: KRPCMessage
        do {
            message = try KRPCMessage(try decoder.decode(datagram))
        } catch let error as EnvelopeError {
            stats.malformedIn += 1
            guard let transactionID = error.transactionID, admit(sender, now: now) else { return nil }
            return errorReply(.protocolError(error.reason), transactionID: transactionID, to: sender)
        } catch {
            stats.malformedIn += 1
            return nil
        }
        guard message.network == network else { return otherNetwork(message, from: sender, now: now) }
        switch message.body {
        case .query(let method, let arguments):
            guard admit(sender, now: now) else { return nil }
            return answer(method, Arguments(arguments), transactionID: message.transactionID, from: sender, now: now)
        case .response(let response):
            let arguments = Arguments(response, clientVersion: message.clientVersion,
                                      observedAddress: message.observedAddress)
            handleResponse(arguments, transactionID: message.transactionID, from: sender, now: now)
        case .error(let error):
            handleErrorReply(error, transactionID: message.transactionID, from: sender, now: now)
        }
        return nil
    }

    /// A message from a node of another network: a query is refused with the network we are on,
    /// so that its sender can say why; an answer or error ends our query with the network the
    /// other node is on, and the node leaves the table (a data directory reused across networks).
    private mutating func otherNetwork(_ message: KRPCMessage, from sender: NodeAddress, now: Timestamp) -> [UInt8]? {
        stats.otherNetworkIn += 1
        if case .query = message.body {
            guard admit(sender, now: now) else { return nil }
            return errorReply(.otherNetwork(network), transactionID: message.transactionID, to: sender)
        }
        // Only an answer to a query of ours removes the node: a forged datagram cannot evict one.
        if let key = TransactionTable<PendingQuery>.id(message.transactionID), transactions[key]?.address == sender,
           let entry = table.entry(at: sender) {
            table.remove(entry.id)
        }
        handleErrorReply(.otherNetwork(message.network), transactionID: message.transactionID, from: sender, now: now)
        return nil
    }

    /// Whether `sender` may have an answer now; a query over its rate is dropped and counted.
    private mutating func admit(_ sender: NodeAddress, now: Timestamp) -> Bool {
        if limiter.admit(sender, now: now) { return true }
        stats.queriesDropped += 1
        return false
    }

    /// Adds a handler for a method the core does not speak (file sharing's `hello`).
    mutating func register(_ method: String, handler: @escaping QueryHandler) {
        extensionHandlers[method] = handler
    }

    private mutating func answer(_ method: String, _ arguments: Arguments, transactionID: [UInt8],
                                 from sender: NodeAddress, now: Timestamp) -> [UInt8] {
        do throws(KRPCError) {
            let senderID = try arguments.nodeID("id")
            guard admitsID(senderID, at: sender) else { throw .protocolError("invalid node ID") }
            let query = InboundQuery(method: method, arguments: arguments, sender: sender, senderID: senderID)
            var response = try handle(query, now: now)
            stats.methods[method, default: .init()].received += 1
            response["id"] = .bytes(id.bytes)
            logger.debug("query received", metadata: ["method": "\(method.printable)", "from": "\(sender)"])
            let reply = KRPCMessage(transactionID: transactionID, body: .response(response),
                                    clientVersion: Self.clientVersion, observedAddress: sender, network: network)
            noteQuerier(Contact(id: senderID, address: sender), now: now)
            return counted(reply.encoded())
        } catch {
            return errorReply(error, transactionID: transactionID, to: sender)
        }
    }

    private mutating func errorReply(_ error: KRPCError, transactionID: [UInt8], to sender: NodeAddress) -> [UInt8] {
        let reply = KRPCMessage(transactionID: transactionID, body: .error(error), clientVersion: Self.clientVersion,
                                observedAddress: sender, network: network)
        return counted(reply.encoded())
    }

    /// Counts a datagram the node is about to send.
    mutating func counted(_ datagram: [UInt8]) -> [UInt8] {
        stats.packetsOut += 1
        stats.bytesOut += datagram.count
        return datagram
    }

    func isAllowed(_ address: NodeAddress) -> Bool {
        address.port != 0 && (configuration.allowLocalAddresses || !address.isLocal) && !bans.covers(address)
    }

    /// The address most recent responders agree we have.
    var externalAddress: NodeAddress? { externalAddressVote?.address }

    /// The address most recent responders agree we have, and how many of them say so: tallied
    /// when a vote comes (``recordAddressVote(_:from:now:)``), since every datagram asks it.
    var externalAddressVote: (address: NodeAddress, votes: Int)? { addressTally }

    /// Counters, sizes and addresses, for `stats`.
    var statistics: NodeStats {
        var snapshot = stats
        snapshot.tableSize = table.count
        snapshot.bucketCount = table.buckets.count
        snapshot.estimatedNetworkSize = table.estimatedNetworkSize
        snapshot.keysHeld = storedValues.keyCount
        snapshot.valuesHeld = storedValues.valueCount
        snapshot.valuesPublished = publishedValues.valueCount
        snapshot.peersHeld = announcedPeers.valueCount
        snapshot.itemsHeld = storedItems.valueCount
        snapshot.itemsPublished = publishedItems.valueCount
        snapshot.storageUsed = storedValues.usedBytes + announcedPeers.usedBytes + storedItems.usedBytes
        snapshot.storageLimit = configuration.storageLimit
        snapshot.externalAddress = externalAddress
        snapshot.nonCompliantNodesSeen = nonCompliantSeen.count
        snapshot.bans = bans.rules.count
        snapshot.network = configuration.network
        return snapshot
    }
}
