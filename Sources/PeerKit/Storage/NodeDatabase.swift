import Foundation
import GRDB

/// The node's SQLite database: its id, a routing-table snapshot, and stored values.
///
/// Reads happen once, at start. Writes of single values go through GRDB's
/// serial writer asynchronously, so the event loop never waits on the disk and
/// the order of writes is kept.
final class NodeDatabase: Sendable {
    /// Everything a node needs from disk to resume where it stopped.
    struct Snapshot: Sendable {
        var nodeID: NodeID?
        var contacts: [NodeEntry] = []
        var storedValues: [ValueStore.Record] = []
        var publishedValues: [ValueStore.Record] = []
    }

    enum ValueTable: String, Sendable {
        /// Values other nodes stored here.
        case stored = "stored_values"
        /// Values this node published, republished before they expire.
        case published = "published_values"
    }

    /// Internal, not private, so extensions in other files (shared files) can query it.
    let queue: DatabaseQueue
    private let lock: DirectoryLock?
    /// The database file, or nil when ephemeral.
    let path: String?

    init(location: StorageLocation, port: Int) throws(NodeError) {
        do {
            switch location {
            case .ephemeral:
                queue = try DatabaseQueue()
                lock = nil
                path = nil
            case .directory(let directory):
                try DataDirectory.create(directory)
                let path = "\(directory)/node-\(port).sqlite"
                lock = try DirectoryLock(path: path + ".lock", directory: directory)
                var configuration = Configuration()
                configuration.busyMode = .timeout(5)
                queue = try DatabaseQueue(path: path, configuration: configuration)
                self.path = path
            }
            try Self.migrator.migrate(queue)
        } catch let error as NodeError {
            throw error
        } catch {
            throw .storage("cannot open the database: \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE self (name TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE contacts (id BLOB PRIMARY KEY, address BLOB NOT NULL,
                                       last_seen DOUBLE NOT NULL, failures INTEGER NOT NULL);
                CREATE TABLE stored_values (key BLOB NOT NULL, value BLOB NOT NULL,
                                            refreshed_at DOUBLE NOT NULL, PRIMARY KEY (key, value));
                CREATE TABLE published_values (key BLOB NOT NULL, value BLOB NOT NULL,
                                               refreshed_at DOUBLE NOT NULL, PRIMARY KEY (key, value));
                """)
        }
        migrator.registerMigration("v2") { db in
            // The share index (see NodeDatabase+SharedFiles.swift). mtime is in nanoseconds since
            // 1970; piece_hashes is the pieces' 32-byte SHA-256 hashes, concatenated in order.
            try db.execute(sql: """
                CREATE TABLE shared_files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                                           sha256 BLOB NOT NULL, piece_hashes BLOB NOT NULL,
                                           times_served INTEGER NOT NULL DEFAULT 0);
                """)
        }
        return migrator
    }

    func load() throws(NodeError) -> Snapshot {
        do {
            return try queue.read { db in
                var snapshot = Snapshot()
                if let bytes = try Data.fetchOne(db, sql: "SELECT value FROM self WHERE name = 'node_id'") {
                    snapshot.nodeID = NodeID(bytes: bytes)
                }
                for row in try Row.fetchAll(db, sql: "SELECT id, address, last_seen, failures FROM contacts") {
                    let idBytes: Data = row["id"], addressBytes: Data = row["address"]
                    guard let id = NodeID(bytes: idBytes), let address = NodeAddress(compact: addressBytes) else { continue }
                    snapshot.contacts.append(NodeEntry(contact: Contact(id: id, address: address),
                                                       lastSeen: Date(timeIntervalSince1970: row["last_seen"]),
                                                       failures: row["failures"]))
                }
                snapshot.storedValues = try Self.records(db, table: .stored)
                snapshot.publishedValues = try Self.records(db, table: .published)
                return snapshot
            }
        } catch {
            throw .storage("cannot read the database: \(error)")
        }
    }

    private static func records(_ db: Database, table: ValueTable) throws -> [ValueStore.Record] {
        try Row.fetchAll(db, sql: "SELECT key, value, refreshed_at FROM \(table.rawValue)").compactMap { row in
            let key: Data = row["key"], value: Data = row["value"]
            return NodeID(bytes: key).map {
                ValueStore.Record(key: $0, value: Array(value), refreshedAt: Date(timeIntervalSince1970: row["refreshed_at"]))
            }
        }
    }

    func saveNodeID(_ id: NodeID) throws(NodeError) {
        do {
            try queue.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO self (name, value) VALUES ('node_id', ?)",
                               arguments: [Data(id.bytes)])
            }
        } catch {
            throw .storage("cannot save the node id: \(error)")
        }
    }

    /// Replaces the routing-table snapshot; waits until it is on disk.
    func saveContacts(_ entries: [NodeEntry]) async throws {
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM contacts")
            for entry in entries {
                try db.execute(sql: "INSERT INTO contacts (id, address, last_seen, failures) VALUES (?, ?, ?, ?)",
                               arguments: [Data(entry.id.bytes), Data(entry.address.compact),
                                           entry.lastSeen.timeIntervalSince1970, entry.failures])
            }
        }
    }

    /// Inserts or refreshes a value, in the background, in order with other writes.
    func saveValue(_ record: ValueStore.Record, in table: ValueTable, onError: @escaping @Sendable (Error) -> Void) {
        queue.asyncWrite({ db in
            try db.execute(sql: "INSERT OR REPLACE INTO \(table.rawValue) (key, value, refreshed_at) VALUES (?, ?, ?)",
                           arguments: [Data(record.key.bytes), Data(record.value), record.refreshedAt.timeIntervalSince1970])
        }, completion: { _, result in
            if case .failure(let error) = result { onError(error) }
        })
    }

    /// Deletes values, in the background, in order with other writes.
    func deleteValues(_ records: [ValueStore.Record], from table: ValueTable, onError: @escaping @Sendable (Error) -> Void) {
        guard !records.isEmpty else { return }
        queue.asyncWrite({ db in
            for record in records {
                try db.execute(sql: "DELETE FROM \(table.rawValue) WHERE key = ? AND value = ?",
                               arguments: [Data(record.key.bytes), Data(record.value)])
            }
        }, completion: { _, result in
            if case .failure(let error) = result { onError(error) }
        })
    }

    /// Waits for every queued write to reach the database.
    func flush() async {
        _ = try? await queue.write { _ in }
    }

    /// Closes the database file and releases the lock, so another node may open it.
    func close() {
        try? queue.close()
        lock?.release()
    }
}
