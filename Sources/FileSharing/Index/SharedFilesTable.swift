import PeerKit
import Foundation
import GRDB

/// The share index's table, `shared_files`, kept in the node's database beside the DHT's tables.
///
/// One row per shared file: its path relative to the share root, size, mtime in
/// nanoseconds, SHA-256, the pieces' hashes concatenated, and how often it was served.
/// The root the rows describe is kept in the `self` table as `share_root`.
extension NodeDatabase {
    /// A row of the share index: the file, and the stamp a rescan compares with the disk.
    typealias SharedFileRow = (file: SharedFile, stamp: FileStamp)

    /// Creates `shared_files`. Its identifier is "v2" because databases written before file
    /// sharing had a target of its own applied it under that name; the core's is "v1".
    private static var sharedFilesMigrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v2") { db in
            // mtime is in nanoseconds since 1970; piece_hashes is the pieces' 32-byte SHA-256
            // hashes, concatenated in order.
            try db.execute(sql: """
                CREATE TABLE shared_files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                                           sha256 BLOB NOT NULL, piece_hashes BLOB NOT NULL,
                                           times_served INTEGER NOT NULL DEFAULT 0);
                """)
        }
        return migrator
    }

    /// The share index for the share directory `root`.
    ///
    /// Rows built for another root describe other files, so they are deleted first; rows
    /// that do not decode (wrong hash lengths) are deleted too, and their files are hashed
    /// again by the next scan.
    func sharedFiles(root: String) throws(SharingError) -> [SharedFileRow] {
        do {
            try migrate(Self.sharedFilesMigrator)
            return try queue.write { db in
                let stored = try Data.fetchOne(db, sql: "SELECT value FROM self WHERE name = 'share_root'")
                if stored != Data(root.utf8) {
                    try db.execute(sql: "DELETE FROM shared_files")
                    try db.execute(sql: "INSERT OR REPLACE INTO self (name, value) VALUES ('share_root', ?)",
                                   arguments: [Data(root.utf8)])
                }
                var rows: [SharedFileRow] = []
                var broken: [String] = []
                for row in try Row.fetchAll(db, sql: "SELECT path, size, mtime, sha256, piece_hashes FROM shared_files") {
                    let path: String = row["path"]
                    guard let decoded = Self.sharedFileRow(row) else {
                        broken.append(path)
                        continue
                    }
                    rows.append(decoded)
                }
                for path in broken {
                    try db.execute(sql: "DELETE FROM shared_files WHERE path = ?", arguments: [path])
                }
                return rows
            }
        } catch {
            throw .storage("cannot read the share index: \(error)")
        }
    }

    private static func sharedFileRow(_ row: Row) -> SharedFileRow? {
        let path: String = row["path"], size: Int64 = row["size"], mtime: Int64 = row["mtime"]
        let sha256: Data = row["sha256"] ?? Data(), pieces: Data = row["piece_hashes"] ?? Data()
        guard sha256.count == 32, size >= 0, pieces.count == 32 * SharedFile.pieceCount(size: size) else { return nil }
        let pieceHashes = stride(from: 0, to: pieces.count, by: 32).map {
            Array(pieces[pieces.startIndex + $0 ..< pieces.startIndex + $0 + 32])
        }
        let stamp = FileStamp(size: size, modifiedNanoseconds: mtime)
        let file = SharedFile(path: path, size: size, modified: stamp.modified, sha256: Array(sha256), pieceHashes: pieceHashes)
        return (file, stamp)
    }

    /// Inserts or replaces the rows of hashed files and deletes the rows of removed files, in
    /// one transaction; waits until it is on disk. A replaced row keeps its `times_served`.
    func updateSharedFiles(saving rows: [SharedFileRow], removing paths: [String]) async throws(SharingError) {
        guard !rows.isEmpty || !paths.isEmpty else { return }
        do {
            try await queue.write { db in
                for (file, stamp) in rows {
                    try db.execute(sql: """
                        INSERT INTO shared_files (path, size, mtime, sha256, piece_hashes) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
                                                         sha256 = excluded.sha256, piece_hashes = excluded.piece_hashes
                        """, arguments: [file.path, stamp.size, stamp.modifiedNanoseconds, Data(file.sha256),
                                         Data(file.pieceHashes.joined())])
                }
                for path in paths {
                    try db.execute(sql: "DELETE FROM shared_files WHERE path = ?", arguments: [path])
                }
            }
        } catch {
            throw .storage("cannot save the share index: \(error)")
        }
    }

    /// Counts one more download of a shared file, in the background, in order with other writes.
    func recordSharedFileServed(_ path: String, onError: @escaping @Sendable (Error) -> Void) {
        queue.asyncWrite({ db in
            try db.execute(sql: "UPDATE shared_files SET times_served = times_served + 1 WHERE path = ?", arguments: [path])
        }, completion: { _, result in
            if case .failure(let error) = result { onError(error) }
        })
    }

    /// How many times each indexed file was served, by path.
    func sharedFilesTimesServed() throws(SharingError) -> [String: Int] {
        do {
            return try queue.read { db in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT path, times_served FROM shared_files") {
                    counts[row["path"]] = row["times_served"]
                }
                return counts
            }
        } catch {
            throw .storage("cannot read the share index: \(error)")
        }
    }
}
