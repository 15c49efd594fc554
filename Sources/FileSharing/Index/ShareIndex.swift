import PeerKit
import Foundation
import Logging
import NIOPosix

/// The files a node shares, with their hashes, kept in the node's database.
///
/// ``scan()`` walks the share directory (see `ShareWalker` for what is listed) and hashes
/// what is new or changed: a file whose path, size and mtime match its row keeps its
/// stored hashes. Rows of files that are gone are removed. Lookups are served from memory.
///
/// Walking and hashing block on the disk, so they run on NIO's thread pool, one job for the
/// walk and one per hashed file, never on the Swift cooperative pool; the actor only
/// compares stamps and keeps the results. Scans run one after another: a scan asked for
/// while one runs starts when it ends.
actor ShareIndex {
    /// The share directory this index describes.
    nonisolated let root: ShareRoot
    private let database: NodeDatabase
    private let pool: NIOThreadPool
    private let logger: Logger
    /// The index, by path; it mirrors the database's rows.
    private var entries: [String: NodeDatabase.SharedFileRow] = [:]
    /// The paths that hold each content hash.
    private var pathsBySHA256: [[UInt8]: Set<String>] = [:]
    /// The scan that runs or ran last; the next one waits for it.
    private var lastScan: Task<ShareScanReport, Error>?

    /// Hashed files are saved in batches, so an interrupted scan keeps most of its work
    /// without a transaction (and an fsync) per file.
    private static let batchFiles = 64
    private static let batchBytes: Int64 = 256 * 1_048_576

    /// Opens the index of `root` kept in `database`. An index built for another directory is
    /// discarded. Nothing is scanned: the stored index is served until ``scan()``.
    init(root: ShareRoot, database: NodeDatabase, logger: Logger = Logger(label: "peerkit.share"),
         pool: NIOThreadPool = .singleton) throws(SharingError) {
        self.root = root
        self.database = database
        self.logger = logger
        self.pool = pool
        for row in try database.sharedFiles(root: root.path) {
            entries[row.file.path] = row
            pathsBySHA256[row.file.sha256, default: []].insert(row.file.path)
        }
    }

    /// Every indexed file, sorted by path.
    var files: [SharedFile] {
        entries.values.map(\.file).sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// The file at a path relative to the root (decoded, as ``SharedFile/path`` holds it).
    func file(atPath path: String) -> SharedFile? {
        entries[path]?.file
    }

    /// A file with this content. When several paths hold the same bytes, the first in byte order.
    func file(sha256: [UInt8]) -> SharedFile? {
        pathsBySHA256[sha256]?.min { $0.utf8.lexicographicallyPrecedes($1.utf8) }.flatMap { entries[$0]?.file }
    }

    /// Counts one more download of an indexed file; saved in the background.
    func recordServed(_ path: String) {
        guard entries[path] != nil else { return }
        database.recordSharedFileServed(path, onError: { [logger] error in
            logger.error("cannot count a served file", metadata: ["path": "\(path)", "error": "\(error)"])
        })
    }

    /// Indexes a file just downloaded into the share directory with hashes that were already
    /// verified, so it is not read again; a file whose pieces are not ``SharedFile/pieceSize``
    /// long, or that changed on disk, is hashed by a scan instead.
    ///
    /// - Returns: the indexed file, or nil when the path names no shareable file.
    func adopt(_ path: String, pieces: ValidatedPieceList) async throws(SharingError) -> SharedFile? {
        let real = try root.resolve(relativePath: path)
        var info = stat()
        guard pieces.pieceSize == SharedFile.pieceSize, stat(real, &info) == 0, Int64(info.st_size) == pieces.size else {
            _ = try await scan()
            return entries[path]?.file
        }
        let stamp = FileStamp(info)
        let file = SharedFile(path: path, size: pieces.size, modified: stamp.modified, sha256: pieces.sha256,
                              pieceHashes: pieces.pieceHashes)
        try await save([(file, stamp)], removing: [])
        return file
    }

    /// Brings the index up to date with the share directory.
    ///
    /// - Throws: ``SharingError/cancelled`` when the task is cancelled (files hashed so far are
    ///   kept), ``SharingError/shareDirectory(path:reason:)`` when the share directory cannot be
    ///   listed (the index is left as it was), ``SharingError/storage(_:)`` when the database
    ///   cannot be written.
    func scan() async throws(SharingError) -> ShareScanReport {
        let previous = lastScan
        let task = Task {
            _ = await previous?.result
            return try await self.performScan()
        }
        lastScan = task
        return try await SharingError.reporting("cannot scan the share directory") {
            try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        }
    }

    private func performScan() async throws(SharingError) -> ShareScanReport {
        let root = self.root
        let found = try await SharingError.reporting("cannot list the share directory") {
            try await pool.runIfActive { try ShareWalker.walk(root) }
        }

        var report = ShareScanReport()
        var pending: [NodeDatabase.SharedFileRow] = []
        var pendingBytes: Int64 = 0
        var gone = Set(entries.keys)
        for entry in found {
            gone.remove(entry.path)
            if let known = entries[entry.path], known.stamp == entry.stamp {
                report.unchanged += 1
                continue
            }
            if Task.isCancelled {
                try await save(pending, removing: [])
                throw .cancelled
            }
            do {
                let hashed = try await pool.runIfActive {
                    try PieceHasher.hash(path: entry.path, realPath: entry.realPath)
                }
                report.hashed += 1
                pending.append(hashed)
                pendingBytes += hashed.stamp.size
            } catch {
                if error is CancellationError || Task.isCancelled {
                    try await save(pending, removing: [])
                    throw .cancelled
                }
                logger.warning("cannot hash a shared file", metadata: ["path": "\(entry.path)", "error": "\(error)"])
                report.unreadable += 1
                if entries[entry.path] != nil { gone.insert(entry.path) }  // its old hashes no longer describe it
            }
            if pending.count >= Self.batchFiles || pendingBytes >= Self.batchBytes {
                try await save(pending, removing: [])
                pending = []
                pendingBytes = 0
            }
        }
        report.removed = gone.count
        try await save(pending, removing: gone.sorted())

        report.totalFiles = entries.count
        report.totalBytes = entries.values.reduce(0) { $0 + $1.file.size }
        return report
    }

    /// Writes hashed rows and removals to the database, then to the in-memory index.
    private func save(_ rows: [NodeDatabase.SharedFileRow], removing paths: [String]) async throws(SharingError) {
        guard !rows.isEmpty || !paths.isEmpty else { return }
        try await database.updateSharedFiles(saving: rows, removing: paths)
        for path in paths { forget(path) }
        for row in rows {
            forget(row.file.path)
            entries[row.file.path] = row
            pathsBySHA256[row.file.sha256, default: []].insert(row.file.path)
        }
    }

    private func forget(_ path: String) {
        guard let old = entries.removeValue(forKey: path) else { return }
        pathsBySHA256[old.file.sha256]?.remove(path)
        if pathsBySHA256[old.file.sha256]?.isEmpty == true { pathsBySHA256[old.file.sha256] = nil }
    }
}
