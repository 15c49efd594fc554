import PeerKit
import Crypto
import NIOCore

/// One run of a ``Download``, step by step: ``resume(_:from:into:finalPath:name:options:started:progress:)``
/// opens the temporary file and keeps the pieces already in it, ``fetch()`` fetches the
/// missing ones from the providers while the whole-file hash follows, and
/// ``finish(digest:)`` checks the whole file, gives it its name and reports.
///
/// A value type owned by the task that runs the download: the fetch loop mutates it between
/// awaits, and the child tasks it starts (piece requests, writes) are handed only `Sendable`
/// copies of what they need, never the session, so no lock is needed.
struct DownloadSession {
    /// Pieces written at once. One: concurrent `pwrite`s to one file contend for the
    /// file's lock in the kernel and only burn CPU, and one writer keeps up with the network.
    private static let concurrentWrites = 1

    let list: ValidatedPieceList
    /// One client per distinct provider; the scheduler numbers providers in this order.
    let clients: [ProviderClient]
    /// The temporary file the pieces go into.
    let file: PartialFile
    /// Where the complete file goes.
    let finalPath: String
    let options: DownloadOptions
    let started: ContinuousClock.Instant
    /// Called after each verified piece, and once at the start.
    let progress: @Sendable (DownloadProgress) -> Void
    /// Pieces, and their bytes, found verified in the temporary file by the resume.
    let resumedPieces: Int
    let resumedBytes: Int64

    /// Who fetches what; it also knows which pieces are verified and written.
    private var scheduler: PieceScheduler
    /// The whole-file hash as far as the resume got; ``fetch()`` carries it on.
    private let prefixHash: PrefixHash
    /// Tells the whole-file hash how many pieces at the front are verified (``prefixEnd``).
    private let prefixUpdates: AsyncStream<Int>
    private let prefix: AsyncStream<Int>.Continuation
    /// Every piece below this one is verified and written.
    private var prefixEnd = 0

    /// Bytes received from providers in this run, corrupt pieces and endgame copies included.
    private var bytesFetched: Int64 = 0
    /// Bytes verified and written, resumed ones included.
    private var bytesVerified: Int64
    /// Verified pieces waiting for the writer; each still holds its provider's slot.
    private var toWrite: [(request: PieceScheduler.Request, buffer: ByteBuffer)] = []
    /// Writes running.
    private var writing = 0

    // MARK: - Resume

    /// Opens (or creates) the temporary file for `list` in `directory` and, when it is left
    /// from an earlier run, keeps the pieces already in it, hashing the prefix on the way.
    /// Reports progress once. The caller closes the session (``close()``) when done with it.
    ///
    /// - Throws: ``SharingError/fetchFailed(_:)`` when pieces are missing and there is no
    ///   provider; the errors of ``PartialFile/open(directory:sha256:size:)``.
    static func resume(_ list: ValidatedPieceList, from clients: [ProviderClient], into directory: String,
                       finalPath: String, name: String, options: DownloadOptions, started: ContinuousClock.Instant,
                       progress: @escaping @Sendable (DownloadProgress) -> Void) async throws(SharingError) -> DownloadSession {
        let (file, existed) = try await Download.blocking { () throws(SharingError) in
            try PartialFile.open(directory: directory, sha256: list.sha256, size: list.size)
        }
        var prefixHash = PrefixHash()
        let have: [Int]
        do throws(SharingError) {
            have = existed ? try await piecesPresent(in: file, of: list, hash: &prefixHash) : []
            guard !clients.isEmpty || have.count == list.pieceHashes.count else {
                throw .fetchFailed("no provider to fetch \(name) from")
            }
        } catch {
            file.close()
            throw error
        }
        let session = DownloadSession(list: list, clients: clients, file: file, finalPath: finalPath, options: options,
                                      started: started, progress: progress, have: have, prefixHash: prefixHash)
        session.reportProgress()
        return session
    }

    private init(list: ValidatedPieceList, clients: [ProviderClient], file: PartialFile, finalPath: String,
                 options: DownloadOptions, started: ContinuousClock.Instant,
                 progress: @escaping @Sendable (DownloadProgress) -> Void, have: [Int], prefixHash: PrefixHash) {
        self.list = list
        self.clients = clients
        self.file = file
        self.finalPath = finalPath
        self.options = options
        self.started = started
        self.progress = progress
        self.prefixHash = prefixHash
        resumedPieces = have.count
        resumedBytes = have.reduce(Int64(0)) { $0 + Int64(list.range(ofPiece: $1).count) }
        bytesVerified = resumedBytes
        scheduler = PieceScheduler(pieceCount: list.pieceHashes.count, providerCount: clients.count, have: have,
                                   requestsPerProvider: options.requestsPerProvider,
                                   corruptLimit: options.corruptPieceLimit, failureLimit: options.failureLimit)
        (prefixUpdates, prefix) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The pieces of `file` that already hold their verified bytes, checked in batches on the
    /// thread pool; feeds `hash` with those at the front.
    private static func piecesPresent(in file: PartialFile, of list: ValidatedPieceList,
                                      hash: inout PrefixHash) async throws(SharingError) -> [Int] {
        let pieceCount = list.pieceHashes.count
        var have: [Int] = []
        for start in stride(from: 0, to: pieceCount, by: PrefixHash.batchSize) {
            guard !Task.isCancelled else { throw .cancelled }
            let batch = start ..< min(pieceCount, start + PrefixHash.batchSize)
            let before = hash
            let result = try await Download.blocking { () throws(SharingError) in
                var state = before.state
                let found = try file.verifiedPieces(batch, of: list, whole: &state, wholeFrom: before.hashedPieces)
                return (found.verified, PrefixHash(state: state, hashedPieces: found.wholeThrough))
            }
            have += result.0
            hash = result.1
        }
        return have
    }

    /// Closes the temporary file, releasing it for another run; call it after ``fetch()`` and
    /// ``finish(digest:)`` returned, when no piece is being written.
    func close() {
        file.close()
    }

    // MARK: - Fetch

    /// Fetches every missing piece while the whole-file hash follows the verified prefix in
    /// a task of its own, and returns the file's SHA-256 (not yet checked).
    ///
    /// - Throws: ``SharingError/fetchFailed(_:)`` when every provider failed, saying why each
    ///   failed; ``SharingError/cancelled``; ``SharingError/diskFull(directory:needed:)`` and
    ///   ``SharingError/storage(_:)`` for file system failures.
    mutating func fetch() async throws(SharingError) -> [UInt8] {
        defer { prefix.finish() }
        let (prefixHash, updates, file, list) = (self.prefixHash, prefixUpdates, self.file, self.list)
        async let wholeDigest = prefixHash.digest(following: updates, of: file, list: list)

        let error = await receivePieces()
        prefix.finish()
        if let error { throw error }
        return try await wholeDigest.get()
    }

    /// Runs piece requests until every piece is verified and written, every provider failed,
    /// the task is cancelled or the disk fails. Returns the error, if any.
    ///
    /// A request keeps its provider's slot until its piece is written, so the pieces in
    /// memory (received, hashed, waiting for the writer) never exceed the requests in flight.
    private mutating func receivePieces() async -> SharingError? {
        advancePrefix()
        return await withTaskGroup(of: PieceEvent.self) { group in
            defer { group.cancelAll() }
            while !scheduler.isComplete {
                if let error = stopReason() { return error }
                startRequests(in: &group)
                startWrites(in: &group)
                guard let event = await group.next() else {
                    return .fetchFailed("no provider could be asked for the missing pieces")
                }
                if let error = handle(event) { return error }
            }
            return nil
        }
    }

    /// Why the fetch must stop now, if it must: cancelled, or every provider failed.
    private func stopReason() -> SharingError? {
        if Task.isCancelled { return .cancelled }
        // Pieces waiting to be written still count: fail only once they are written.
        if scheduler.hasFailed, writing == 0, toWrite.isEmpty {
            let reasons = scheduler.dropReasons
            return .fetchFailed(Download.summary(clients.indices.map { (clients[$0].name, reasons[$0] ?? "failed") }))
        }
        return nil
    }

    /// Starts the requests the scheduler wants started.
    private mutating func startRequests(in group: inout TaskGroup<PieceEvent>) {
        let (sha256Hex, fileSize, options) = (list.sha256.hexString, list.size, options)
        for request in scheduler.nextRequests() {
            let provider = clients[request.provider]
            let range = list.range(ofPiece: request.piece)
            let expected = list.pieceHashes[request.piece]
            group.addTask {
                await Self.fetchPiece(request, from: provider, sha256Hex: sha256Hex, range: range, fileSize: fileSize,
                                      expected: expected, options: options)
            }
        }
    }

    /// Starts writing received pieces, as many as ``concurrentWrites`` allows.
    private mutating func startWrites(in group: inout TaskGroup<PieceEvent>) {
        let file = file
        while writing < Self.concurrentWrites, !toWrite.isEmpty {
            let (request, buffer) = toWrite.removeFirst()
            if scheduler.have[request.piece] {  // a second copy (endgame): nothing to write
                scheduler.verified(request)
                continue
            }
            writing += 1
            let offset = list.range(ofPiece: request.piece).lowerBound
            group.addTask { await Self.write(request, buffer, at: offset, into: file) }
        }
    }

    /// Tells the scheduler what happened; returns the error that ends the fetch, if any.
    private mutating func handle(_ event: PieceEvent) -> SharingError? {
        switch event {
        case .received(let request, let buffer):
            bytesFetched += Int64(buffer.readableBytes)
            toWrite.append((request, buffer))
        case .written(let request, let buffer):
            writing -= 1
            guard scheduler.verified(request) else { return nil }
            bytesVerified += Int64(buffer.readableBytes)
            if request.piece == prefixEnd { advancePrefix() }
            reportProgress()
        case .corrupt(let request, let buffer):
            bytesFetched += Int64(buffer.readableBytes)
            scheduler.corrupt(request)
        case .failed(let request, let failure):
            if failure == .cancelled { return .cancelled }
            scheduler.failed(request, reason: failure.reason, permanent: failure.isPermanent)
        case .fatal(let error):
            return error
        }
        return nil
    }

    /// Moves ``prefixEnd`` past the verified pieces at the front and tells the whole-file hash.
    private mutating func advancePrefix() {
        while prefixEnd < scheduler.pieceCount, scheduler.have[prefixEnd] { prefixEnd += 1 }
        prefix.yield(prefixEnd)
    }

    private func reportProgress() {
        progress(DownloadProgress(
            bytesVerified: bytesVerified, totalBytes: list.size, resumedBytes: resumedBytes,
            bytesFetched: bytesFetched, piecesVerified: scheduler.pieceCount - scheduler.missingCount,
            pieceCount: scheduler.pieceCount, activeProviders: scheduler.usableProviders,
            elapsed: .now - started))
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
            try await Download.blocking { () throws(SharingError) in
                try buffer.withUnsafeReadableBytes { bytes throws(SharingError) in try file.write(bytes, at: offset) }
            }
            return .written(request, buffer)
        } catch {
            return error == .cancelled ? .failed(request, .cancelled) : .fatal(error)
        }
    }

    // MARK: - Finish

    /// Checks `digest` (the whole file's SHA-256) against the list's, syncs the file, gives
    /// it its final name and reports what the download did.
    ///
    /// - Throws: ``SharingError/badPieceList(_:)`` when the digest is wrong (the temporary
    ///   file is then removed); ``SharingError/targetExists(_:)``; ``SharingError/cancelled``;
    ///   ``SharingError/storage(_:)``.
    func finish(digest: [UInt8]) async throws(SharingError) -> DownloadReport {
        guard digest == list.sha256 else {
            file.discard()
            throw .badPieceList("its pieces make a file whose SHA-256 is \(digest.hexString.prefix(12))…, "
                                + "not \(list.sha256.hexString.prefix(12))…; the fetched data was discarded")
        }
        guard !Task.isCancelled else { throw .cancelled }
        let (file, finalPath) = (file, finalPath)
        try await Download.blocking { () throws(SharingError) in
            try file.sync()
            try file.publish(as: finalPath)
        }
        return report()
    }

    private func report() -> DownloadReport {
        let reasons = scheduler.dropReasons
        return DownloadReport(
            path: finalPath, size: list.size, sha256: list.sha256, pieceCount: list.pieceHashes.count,
            resumedPieces: resumedPieces, bytesFetched: bytesFetched,
            seconds: (ContinuousClock.now - started).inSeconds,
            providers: clients.indices.map {
                DownloadReport.Provider(url: clients[$0].base, pieces: scheduler.piecesVerified[$0],
                                        corruptPieces: scheduler.corruptPieces[$0], failure: reasons[$0])
            })
    }
}
