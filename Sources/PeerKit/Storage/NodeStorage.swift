/// Where a node keeps what outlives it: its id, a routing-table snapshot and values.
///
/// Values reach it in batches of changes (``ValueChange``), one batch at a time, from the node,
/// which gathers the engine's changes meanwhile (``PendingValueWrites``). ``NodeDatabase`` keeps
/// them in SQLite; tests use one in memory.
protocol NodeStorage: Sendable {
    /// The database file, or nil when nothing reaches the disk.
    var path: String? { get }
    func load() throws(NodeError) -> StoredState
    func saveNodeID(_ id: NodeID) throws(NodeError)
    /// Replaces the routing-table snapshot; returns once it is kept.
    func saveContacts(_ entries: [NodeEntry]) async throws
    /// Replaces the saved bans.
    func saveBans(_ bans: [(rule: BanRule, until: Timestamp?)]) async throws
    /// Saves and deletes values, in one transaction; the changes name distinct rows.
    func apply(_ changes: [ValueChange]) async
    func close()
}

/// Everything a node needs from storage to resume where it stopped.
struct StoredState: Sendable {
    var nodeID: NodeID?
    var contacts: [NodeEntry] = []
    var storedValues: [ValueStore.Record] = []
    var publishedValues: [ValueStore.Record] = []
    var storedItems: [ValueStore.Record] = []
    var publishedItems: [ValueStore.Record] = []
    /// Bans in force, and when each ends (nil: until lifted).
    var bans: [(rule: BanRule, until: Timestamp?)] = []
}

/// The kinds of value a node keeps, each in a table of its own.
enum ValueTable: String, Sendable, Hashable, CaseIterable {
    /// Values other nodes stored here.
    case stored = "stored_values"
    /// Values this node published, republished before they expire.
    case published = "published_values"
    /// BEP 44 items other nodes put here (``Item/storageBytes``).
    case items = "stored_items"
    /// BEP 44 items this node put, put again before they expire.
    case publishedItems = "published_items"

    /// Whether the table records who stored each value (for fair shares across restarts).
    var hasSource: Bool { self == .stored || self == .items }
}
