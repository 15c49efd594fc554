import Foundation
import GRDB
import Logging

/// The node's SQLite database: its id, a routing-table snapshot, and stored values.
///
/// Reads happen once, at start. Values are written in batches, one transaction each, through
/// GRDB's serial writer, so the event loop never waits on the disk. File sharing keeps its own tables here too, created
/// by its own migrations (``migrate(_:)``), whose identifiers differ from the core's.
package final class NodeDatabase: NodeStorage {
    /// The connection, for the tables of file sharing.
    package let queue: DatabaseQueue
    private let lock: DirectoryLock?
    private let logger: Logger
    /// The database file, or nil when ephemeral (in memory).
    let path: String?

    init(location: StorageLocation, port: Int, logger: Logger) throws(NodeError) {
        self.logger = logger
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
        migrator.registerMigration("v2: value sources") { db in
            // Who stored each value (compact address), so fair shares survive a restart.
            try db.execute(sql: "ALTER TABLE stored_values ADD COLUMN source BLOB")
        }
        migrator.registerMigration("v3: items") { db in
            // BEP 44 items, one row per target: put here by others, and put by this node.
            try db.execute(sql: """
                CREATE TABLE stored_items (key BLOB NOT NULL, value BLOB NOT NULL, refreshed_at DOUBLE NOT NULL,
                                           source BLOB, PRIMARY KEY (key, value));
                CREATE TABLE published_items (key BLOB NOT NULL, value BLOB NOT NULL,
                                              refreshed_at DOUBLE NOT NULL, PRIMARY KEY (key, value));
                """)
        }
        migrator.registerMigration("v4: bans") { db in
            // The operator's bans, as typed ("10.0.0.0/8", "1.2.3.4:6881"); expires_at NULL: until lifted.
            try db.execute(sql: "CREATE TABLE bans (rule TEXT PRIMARY KEY, expires_at DOUBLE)")
        }
        return migrator
    }

    /// Runs migrations of tables kept beside the node's (file sharing's). Their identifiers
    /// must differ from the core's ("v1").
    package func migrate(_ migrator: DatabaseMigrator) throws {
        try migrator.migrate(queue)
    }

    func load() throws(NodeError) -> StoredState {
        do {
            return try queue.read { db in
                var snapshot = StoredState()
                if let bytes = try Data.fetchOne(db, sql: "SELECT value FROM self WHERE name = 'node_id'") {
                    snapshot.nodeID = NodeID(bytes: bytes)
                }
                for row in try Row.fetchAll(db, sql: "SELECT id, address, last_seen, failures FROM contacts") {
                    let idBytes: Data = row["id"], addressBytes: Data = row["address"]
                    guard let id = NodeID(bytes: idBytes), let address = NodeAddress(compact: addressBytes) else { continue }
                    snapshot.contacts.append(NodeEntry(contact: Contact(id: id, address: address),
                                                       seenAt: Timestamp(seconds: row["last_seen"]),
                                                       failures: row["failures"]))
                }
                snapshot.storedValues = try Self.records(db, table: .stored)
                snapshot.publishedValues = try Self.records(db, table: .published)
                snapshot.storedItems = try Self.records(db, table: .items)
                snapshot.publishedItems = try Self.records(db, table: .publishedItems)
                for row in try Row.fetchAll(db, sql: "SELECT rule, expires_at FROM bans") {
                    let expiresAt: Double? = row["expires_at"]
                    guard let rule = try? BanRule(row["rule"] as String) else { continue }
                    snapshot.bans.append((rule, expiresAt.map { Timestamp(seconds: $0) }))
                }
                return snapshot
            }
        } catch {
            throw .storage("cannot read the database: \(error)")
        }
    }

    private static func records(_ db: Database, table: ValueTable) throws -> [ValueStore.Record] {
        let source = table.hasSource ? "source" : "NULL AS source"
        return try Row.fetchAll(db, sql: "SELECT key, value, refreshed_at, \(source) FROM \(table.rawValue)").compactMap { row in
            let key: Data = row["key"], value: Data = row["value"], source: Data? = row["source"]
            return NodeID(bytes: key).map {
                ValueStore.Record(key: $0, value: Array(value), refreshedAt: Timestamp(seconds: row["refreshed_at"]),
                                  source: source.flatMap { NodeAddress(compact: $0) })
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
                                           entry.seenAt.seconds, entry.failures])
            }
        }
    }

    /// Replaces the saved bans; waits until they are on disk. An ephemeral node keeps them in memory.
    func saveBans(_ bans: [(rule: BanRule, until: Timestamp?)]) async throws {
        guard path != nil else { return }
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM bans")
            for ban in bans {
                try db.execute(sql: "INSERT INTO bans (rule, expires_at) VALUES (?, ?)",
                               arguments: ["\(ban.rule)", ban.until?.seconds])
            }
        }
    }

    /// Saves and deletes values in one transaction. An ephemeral node keeps its values in
    /// memory only, once: its database would be a second copy nobody reads.
    func apply(_ changes: [ValueChange]) async {
        guard path != nil, !changes.isEmpty else { return }
        do {
            try await queue.write { db in
                for change in changes {
                    switch change {
                    case .save(let record, let table) where table.hasSource:
                        try db.cachedStatement(sql: """
                            INSERT OR REPLACE INTO \(table.rawValue) (key, value, refreshed_at, source) VALUES (?, ?, ?, ?)
                            """).execute(arguments: [Data(record.key.bytes), Data(record.value),
                                                     record.refreshedAt.seconds, record.source.map { Data($0.compact) }])
                    case .save(let record, let table):
                        try db.cachedStatement(sql: """
                            INSERT OR REPLACE INTO \(table.rawValue) (key, value, refreshed_at) VALUES (?, ?, ?)
                            """).execute(arguments: [Data(record.key.bytes), Data(record.value), record.refreshedAt.seconds])
                    case .delete(let record, let table):
                        try db.cachedStatement(sql: "DELETE FROM \(table.rawValue) WHERE key = ? AND value = ?")
                            .execute(arguments: [Data(record.key.bytes), Data(record.value)])
                    }
                }
            }
        } catch {
            logger.error("database write failed", metadata: ["error": "\(error)"])
        }
    }

    /// Waits for every write queued on the database (file sharing's counts are written in the background).
    package func flush() async {
        _ = try? await queue.write { _ in }
    }

    /// Closes the database file and releases the lock, so another node may open it.
    func close() {
        try? queue.close()
        lock?.release()
    }
}
