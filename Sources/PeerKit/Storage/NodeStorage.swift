/// Where a node keeps what outlives it: its id, a routing-table snapshot and values.
///
/// The protocol engine writes values through it and never waits: writes happen in the
/// background, in order. ``NodeDatabase`` keeps them in SQLite; tests use one in memory.
protocol NodeStorage: Sendable {
    /// The database file, or nil when nothing reaches the disk.
    var path: String? { get }
    func load() throws(NodeError) -> StoredState
    func saveNodeID(_ id: NodeID) throws(NodeError)
    /// Replaces the routing-table snapshot; returns once it is kept.
    func saveContacts(_ entries: [NodeEntry]) async throws
    /// Inserts or refreshes a value, in the background, in order with other writes.
    func saveValue(_ record: ValueStore.Record, in table: ValueTable)
    /// Deletes values, in the background, in order with other writes.
    func deleteValues(_ records: [ValueStore.Record], from table: ValueTable)
    /// Waits for every queued write.
    func flush() async
    func close()
}

/// Everything a node needs from storage to resume where it stopped.
struct StoredState: Sendable {
    var nodeID: NodeID?
    var contacts: [NodeEntry] = []
    var storedValues: [ValueStore.Record] = []
    var publishedValues: [ValueStore.Record] = []
}

/// The two kinds of value a node keeps.
enum ValueTable: String, Sendable {
    /// Values other nodes stored here.
    case stored = "stored_values"
    /// Values this node published, republished before they expire.
    case published = "published_values"
}
