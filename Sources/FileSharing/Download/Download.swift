import PeerKit
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOPosix

/// Fetches a file from several providers at once, piece by piece, checking every piece
/// against its hash and the whole file against its SHA-256 before giving it its name.
///
/// How it works:
/// - The pieces go into a temporary file in the target directory (``PartialFile``:
///   `.p2psh-<sha256 hex>.part`, hidden so never shared, preallocated so a full disk shows
///   at once). A later run for the same file finds it, re-hashes what it holds, and fetches
///   only the missing pieces.
/// - ``PieceScheduler`` decides who fetches what: several requests in flight per provider,
///   corrupt pieces refetched from someone else, failing providers dropped.
/// - Each piece is streamed into a buffer of its own size and hashed as it arrives, on the
///   connection's event loop (``PieceReceiver``); a verified piece is written with `pwrite`
///   on NIO's blocking thread pool, one write at a time. A request holds its provider's slot
///   until its piece is written, so memory stays at about (requests
///   in flight × piece size) whatever the file's size.
/// - The whole-file SHA-256 is computed while the download runs, over the verified prefix
///   of the file as it grows (read back from the page cache), so no second pass is needed.
///   It is checked before the file gets its name: the piece list comes from a provider and
///   could describe other bytes. Behind the prefix, pages are sent to disk and dropped from
///   the page cache, so the final `fsync` is short and the cache does not fill with the file.
/// - The complete file is synced and linked to its final name without replacing anything,
///   then the directory is synced.
///
/// Cancelling the calling task stops the download quickly; the temporary file stays for a
/// resume and the final name is never created.
package enum Download {
    /// Fetches the piece list of the file with SHA-256 `sha256` from the first of
    /// `providers` (base URLs such as "http://127.0.0.1:7001") that answers with a usable
    /// one, and says which provider that was.
    ///
    /// - Throws: ``SharingError/badPieceList(_:)`` when every provider answered with an
    ///   unusable list; ``SharingError/fetchFailed(_:)`` saying why each provider failed
    ///   otherwise; ``SharingError/cancelled``.
    package static func pieceList(sha256: [UInt8], providers: [String], client: HTTPClient,
                                 options: DownloadOptions = DownloadOptions()) async throws(SharingError)
        -> (pieces: ValidatedPieceList, provider: String) {
        let clients = providerClients(providers, client)
        guard !clients.isEmpty else { throw .fileNotFound(sha256.hexString) }
        var failures: [(name: String, failure: ProviderFailure)] = []
        for provider in clients {
            do {
                let list = try await provider.pieceList(sha256: sha256, byteLimit: options.pieceListByteLimit,
                                                        responseTimeout: options.responseTimeout,
                                                        timeout: options.requestTimeout)
                return (list, provider.base)
            } catch {
                if error == .cancelled || Task.isCancelled { throw .cancelled }
                failures.append((provider.name, error))
            }
        }
        if let first = failures.first, failures.allSatisfy({ if case .badPieceList = $0.failure { true } else { false } }),
           case .badPieceList(let reason) = first.failure {
            throw .badPieceList(failures.count == 1 ? "\(first.name): \(reason)"
                                    : "\(failures.count) providers sent unusable lists; \(first.name): \(reason)")
        }
        throw .fetchFailed("could not get the piece list of \(sha256.hexString.prefix(12))…: "
                           + summary(failures.map { ($0.name, $0.failure.reason) }))
    }

    /// Fetches the file `pieces` describes from `providers` (base URLs such as
    /// "http://127.0.0.1:7001") into `directory` under `name`, resuming an earlier,
    /// interrupted run for the same file.
    ///
    /// - Parameters:
    ///   - client: the HTTP client to use; give it a read timeout, so that a provider that
    ///     goes silent is noticed before ``DownloadOptions/requestTimeout``.
    ///   - progress: called after each verified piece, and once at the start.
    /// - Throws: ``SharingError/targetExists(_:)`` when `directory/name` exists (checked before
    ///   and at the end); ``SharingError/diskFull(directory:needed:)``;
    ///   ``SharingError/fetchFailed(_:)`` when every provider failed, saying why each failed;
    ///   ``SharingError/badPieceList(_:)`` when the pieces do not make the file with the list's
    ///   SHA-256 (the temporary file is then removed); ``SharingError/cancelled``;
    ///   ``SharingError/storage(_:)`` for file system failures.
    package static func run(pieces list: ValidatedPieceList, providers: [String], into directory: String, name: String,
                           client: HTTPClient, options: DownloadOptions = DownloadOptions(),
                           progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }) async throws(SharingError)
        -> DownloadReport {
        let started = ContinuousClock.now
        try checkName(name)
        let finalPath = (directory.hasSuffix("/") ? directory : directory + "/") + name
        var info = stat()
        guard lstat(finalPath, &info) != 0 else { throw .targetExists(finalPath) }
        guard !Task.isCancelled else { throw .cancelled }
        let clients = providerClients(providers, client)
        let pieceCount = list.pieceHashes.count

        let (file, existed) = try await blocking { () throws(SharingError) in
            try PartialFile.open(directory: directory, sha256: list.sha256, size: list.size)
        }

        // A resume: keep the pieces that are already there, hashing the prefix on the way.
        var whole = SHA256()
        var wholeThrough = 0
        var have: [Int] = []
        if existed {
            for start in stride(from: 0, to: pieceCount, by: 16) {
                guard !Task.isCancelled else { throw .cancelled }
                let batch = start ..< min(pieceCount, start + 16)
                let (state, from) = (whole, wholeThrough)
                let result = try await blocking { () throws(SharingError) in
                    var state = state
                    let found = try file.verifiedPieces(batch, of: list, whole: &state, wholeFrom: from)
                    return (found.verified, found.wholeThrough, state)
                }
                have += result.0
                (wholeThrough, whole) = (result.1, result.2)
            }
        }
        let resumedBytes = have.reduce(Int64(0)) { $0 + Int64(list.range(ofPiece: $1).count) }
        guard !clients.isEmpty || have.count == pieceCount else {
            throw .fetchFailed("no provider to fetch \(name) from")
        }

        var scheduler = PieceScheduler(pieceCount: pieceCount, providerCount: clients.count, have: have,
                                       requestsPerProvider: options.requestsPerProvider,
                                       corruptLimit: options.corruptPieceLimit, failureLimit: options.failureLimit)
        progress(DownloadProgress(bytesVerified: resumedBytes, totalBytes: list.size, resumedBytes: resumedBytes,
                                  bytesFetched: 0, piecesVerified: have.count, pieceCount: pieceCount,
                                  activeProviders: scheduler.usableProviders, elapsed: .now - started))

        // The whole-file hash follows the verified prefix in a task of its own.
        let (prefixUpdates, prefixContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        defer { prefixContinuation.finish() }
        async let wholeDigest = hashPrefix(of: file, list: list, state: whole, from: wholeThrough, updates: prefixUpdates)

        let fetched = await fetchPieces(list: list, clients: clients, file: file, scheduler: &scheduler,
                                        options: options, started: started, resumedBytes: resumedBytes,
                                        prefix: prefixContinuation, progress: progress)
        prefixContinuation.finish()
        if let error = fetched.error { throw error }

        let digest: [UInt8]
        switch await wholeDigest {
        case .success(let value): digest = value
        case .failure(let error): throw error
        }
        guard digest == list.sha256 else {
            file.discard()
            throw .badPieceList("its pieces make a file whose SHA-256 is \(digest.hexString.prefix(12))…, "
                                + "not \(list.sha256.hexString.prefix(12))…; the fetched data was discarded")
        }
        guard !Task.isCancelled else { throw .cancelled }
        try await blocking { () throws(SharingError) in
            try file.sync()
            try file.publish(as: finalPath)
        }

        let reasons = scheduler.dropReasons
        return DownloadReport(
            path: finalPath, size: list.size, sha256: list.sha256, pieceCount: pieceCount, resumedPieces: have.count,
            bytesFetched: fetched.bytes, seconds: (ContinuousClock.now - started).seconds,
            providers: clients.indices.map {
                DownloadReport.Provider(url: clients[$0].base, pieces: scheduler.piecesVerified[$0],
                                        corruptPieces: scheduler.corruptPieces[$0], failure: reasons[$0])
            })
    }

    // MARK: - Fetching pieces

    /// What happened to one piece request, or to the write of a piece.
    private enum PieceEvent: Sendable {
        /// The piece arrived and its hash matched; it is not written yet.
        case received(PieceScheduler.Request, ByteBuffer)
        /// The piece arrived and its hash did not match.
        case corrupt(PieceScheduler.Request, ByteBuffer)
        case failed(PieceScheduler.Request, ProviderFailure)
        /// The piece is written to the temporary file.
        case written(PieceScheduler.Request, ByteBuffer)
        /// A local failure (disk) that ends the download.
        case fatal(SharingError)
    }

    /// Pieces written at once. One: concurrent `pwrite`s to one file contend for the
    /// file's lock in the kernel and only burn CPU, and one writer keeps up with the network.
    private static let concurrentWrites = 1

    /// Runs piece requests until every piece is verified and written, every provider failed,
    /// the task is cancelled or the disk fails. Returns the bytes received and the error, if any.
    ///
    /// A request keeps its provider's slot until its piece is written, so the pieces in
    /// memory (received, hashed, waiting for the writer) never exceed the requests in flight.
    private static func fetchPieces(list: ValidatedPieceList, clients: [ProviderClient], file: PartialFile,
                                    scheduler: inout PieceScheduler, options: DownloadOptions,
                                    started: ContinuousClock.Instant, resumedBytes: Int64,
                                    prefix: AsyncStream<Int>.Continuation,
                                    progress: @Sendable (DownloadProgress) -> Void) async -> (bytes: Int64, error: SharingError?) {
        let sha256Hex = list.sha256.hexString
        var bytesFetched: Int64 = 0
        var bytesVerified = resumedBytes
        var prefixEnd = 0
        while prefixEnd < list.pieceHashes.count, scheduler.have[prefixEnd] { prefixEnd += 1 }
        prefix.yield(prefixEnd)
        var toWrite: [(request: PieceScheduler.Request, buffer: ByteBuffer)] = []
        var writing = 0

        let error: SharingError? = await withTaskGroup(of: PieceEvent.self) { group in
            defer { group.cancelAll() }
            while true {
                if scheduler.isComplete { return nil }
                if Task.isCancelled { return .cancelled }
                // Pieces waiting to be written still count: fail only once they are written.
                if scheduler.hasFailed, writing == 0, toWrite.isEmpty {
                    let reasons = scheduler.dropReasons
                    return .fetchFailed(summary(clients.indices.map { (clients[$0].name, reasons[$0] ?? "failed") }))
                }
                for request in scheduler.nextRequests() {
                    let provider = clients[request.provider]
                    let range = list.range(ofPiece: request.piece)
                    let expected = list.pieceHashes[request.piece]
                    group.addTask {
                        await fetchPiece(request, from: provider, sha256Hex: sha256Hex, range: range, fileSize: list.size,
                                         expected: expected, options: options)
                    }
                }
                while writing < concurrentWrites, !toWrite.isEmpty {
                    let (request, buffer) = toWrite.removeFirst()
                    if scheduler.have[request.piece] {  // a second copy (endgame): nothing to write
                        scheduler.verified(request)
                        continue
                    }
                    writing += 1
                    let offset = list.range(ofPiece: request.piece).lowerBound
                    group.addTask { await write(request, buffer, at: offset, into: file) }
                }
                guard let event = await group.next() else {
                    return .fetchFailed("no provider could be asked for the missing pieces")
                }
                switch event {
                case .received(let request, let buffer):
                    bytesFetched += Int64(buffer.readableBytes)
                    toWrite.append((request, buffer))
                case .written(let request, let buffer):
                    writing -= 1
                    guard scheduler.verified(request) else { continue }
                    bytesVerified += Int64(buffer.readableBytes)
                    if request.piece == prefixEnd {
                        while prefixEnd < scheduler.pieceCount, scheduler.have[prefixEnd] { prefixEnd += 1 }
                        prefix.yield(prefixEnd)
                    }
                    progress(DownloadProgress(
                        bytesVerified: bytesVerified, totalBytes: list.size, resumedBytes: resumedBytes,
                        bytesFetched: bytesFetched, piecesVerified: scheduler.pieceCount - scheduler.missingCount,
                        pieceCount: scheduler.pieceCount, activeProviders: scheduler.usableProviders,
                        elapsed: .now - started))
                case .corrupt(let request, let buffer):
                    bytesFetched += Int64(buffer.readableBytes)
                    scheduler.corrupt(request)
                case .failed(let request, let failure):
                    if failure == .cancelled { return .cancelled }
                    scheduler.failed(request, reason: failure.reason, permanent: failure.isPermanent)
                case .fatal(let error):
                    return error
                }
            }
        }
        return (bytesFetched, error)
    }

    /// Fetches one piece and checks its hash (computed as the bytes arrived).
    private static func fetchPiece(_ request: PieceScheduler.Request, from provider: ProviderClient, sha256Hex: String,
                                   range: Range<Int64>, fileSize: Int64, expected: [UInt8],
                                   options: DownloadOptions) async -> PieceEvent {
        do {
            let piece = try await provider.piece(sha256Hex: sha256Hex, range: range, fileSize: fileSize,
                                                 responseTimeout: options.responseTimeout, timeout: options.requestTimeout)
            return piece.digest.elementsEqual(expected) ? .received(request, piece.buffer) : .corrupt(request, piece.buffer)
        } catch {
            return .failed(request, error)
        }
    }

    /// Writes a verified piece at `offset` of the temporary file.
    private static func write(_ request: PieceScheduler.Request, _ buffer: ByteBuffer, at offset: Int64,
                              into file: PartialFile) async -> PieceEvent {
        do {
            try await blocking { () throws(SharingError) in
                try buffer.withUnsafeReadableBytes { bytes throws(SharingError) in try file.write(bytes, at: offset) }
            }
            return .written(request, buffer)
        } catch {
            return error == .cancelled ? .failed(request, .cancelled) : .fatal(error)
        }
    }

    /// Hashes the file's pieces in order, as far as the verified prefix reaches each time
    /// `updates` says it grew, starting after `start` pieces already in `state`. Returns the
    /// digest once every piece is hashed.
    private static func hashPrefix(of file: PartialFile, list: ValidatedPieceList, state: SHA256, from start: Int,
                                   updates: AsyncStream<Int>) async -> Result<[UInt8], SharingError> {
        var state = state
        var hashed = start
        let count = list.pieceHashes.count
        if hashed < count {
            for await end in updates {
                while hashed < end {
                    let batch = hashed ..< min(end, hashed + 16)
                    do {
                        state = try await blocking { [state] () throws(SharingError) -> SHA256 in
                            var state = state
                            try file.hash(pieces: batch, of: list, into: &state)
                            // Start writing this batch to disk, and drop the previous one (written by
                            // now) from the page cache: the final fsync has little left to do, and
                            // the kernel reuses the freed pages for the next pieces.
                            file.startWriteback(list.range(ofPiece: max(start, batch.lowerBound - 16)).lowerBound
                                                    ..< list.range(ofPiece: batch.upperBound - 1).upperBound)
                            return state
                        }
                    } catch {
                        return .failure(error)
                    }
                    hashed = batch.upperBound
                }
                if hashed >= count { break }
            }
        }
        guard hashed >= count else { return .failure(.cancelled) }
        return .success(Array(state.finalize()))
    }

    // MARK: - Helpers

    /// Runs blocking file work on NIO's thread pool, off the cooperative pool.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(SharingError) -> T) async throws(SharingError) -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive { try body() }
        } catch let error as SharingError {
            throw error
        } catch {
            throw Task.isCancelled || error is CancellationError ? .cancelled : .storage("file work failed: \(error)")
        }
    }

    /// One client per distinct provider, in the order given.
    private static func providerClients(_ providers: [String], _ client: HTTPClient) -> [ProviderClient] {
        var seen: Set<String> = []
        return providers.map { ProviderClient(base: $0, client: client) }.filter { seen.insert($0.base).inserted }
    }

    /// "3 providers failed: 127.0.0.1:7001 sent 2 corrupt pieces; 127.0.0.1:7002 connection refused; …"
    static func summary(_ failures: [(name: String, reason: String)]) -> String {
        "\(failures.count) provider\(failures.count == 1 ? "" : "s") failed: "
            + failures.map { "\($0.name) \($0.reason)" }.joined(separator: "; ")
    }

    private static func checkName(_ name: String) throws(SharingError) {
        let reason: String? =
            if name.isEmpty || name == "." || name == ".." { "it is empty, '.' or '..'" }
            else if name.contains("/") || name.utf8.contains(0) { "it contains '/' or a NUL byte" }
            else if name.utf8.count > 255 { "it is longer than 255 bytes" }
            else { nil }
        if let reason { throw .storage("cannot save a file as \"\(name)\": \(reason); choose a plain file name") }
    }
}

extension Duration {
    /// The duration in seconds, with fractions.
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
