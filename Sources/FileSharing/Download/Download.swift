import PeerKit
import AsyncHTTPClient
import Logging
import Foundation
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
/// ``DownloadSession`` runs these steps (resume, fetch, finish); this type is the entry
/// point, and checks the target name before any file is touched.
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
    package static func pieceList(sha256: [UInt8], providers: [String], client: HTTPClient, logger: Logger,
                                 options: DownloadOptions = DownloadOptions()) async throws(SharingError)
        -> (pieces: ValidatedPieceList, provider: String) {
        let clients = providerClients(providers, client, logger)
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
                           client: HTTPClient, logger: Logger, options: DownloadOptions = DownloadOptions(),
                           progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }) async throws(SharingError)
        -> DownloadReport {
        let started = ContinuousClock.now
        let finalPath = try targetPath(directory: directory, name: name)
        guard !Task.isCancelled else { throw .cancelled }
        var session = try await DownloadSession.resume(list, from: providerClients(providers, client, logger), into: directory,
                                                       finalPath: finalPath, name: name, options: options,
                                                       started: started, progress: progress)
        defer { session.close() }
        let digest = try await session.fetch()
        return try await session.finish(digest: digest)
    }

    // MARK: - Helpers

    /// Runs blocking file work on NIO's thread pool, off the cooperative pool.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(SharingError) -> T) async throws(SharingError) -> T {
        try await SharingError.reporting("file work failed") {
            try await NIOThreadPool.singleton.runIfActive { try body() }
        }
    }

    /// One client per distinct provider, in the order given.
    private static func providerClients(_ providers: [String], _ client: HTTPClient, _ logger: Logger) -> [ProviderClient] {
        var seen: Set<String> = []
        return providers.map { ProviderClient(base: $0, client: client, logger: logger) }.filter { seen.insert($0.base).inserted }
    }

    /// "3 providers failed: 127.0.0.1:7001 sent 2 corrupt pieces; 127.0.0.1:7002 connection refused; …"
    static func summary(_ failures: [(name: String, reason: String)]) -> String {
        "\(failures.count) provider\(failures.count == 1 ? "" : "s") failed: "
            + failures.map { "\($0.name) \($0.reason)" }.joined(separator: "; ")
    }

    /// `directory/name`, once `name` is checked to be a plain file name and nothing is there.
    private static func targetPath(directory: String, name: String) throws(SharingError) -> String {
        try checkName(name)
        let finalPath = (directory.hasSuffix("/") ? directory : directory + "/") + name
        var info = stat()
        guard lstat(finalPath, &info) != 0 else { throw .targetExists(finalPath) }
        return finalPath
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
