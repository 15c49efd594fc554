import PeerKit
import Foundation
import NIOPosix
import Synchronization

/// Fetching a file: find what a name means and who provides it, download it from all of
/// them at once, then share it.
extension FileSharingPeer {
    /// Fetches a file by name (a path in providers' share directories) or by content hash
    /// (64 hex digits) into `directory`, by default the share directory, where it is then
    /// shared and announced.
    ///
    /// Providers are found through the DHT (the name's record, then `get_peers` on the
    /// content's info hash) and, when that finds none, by asking neighbours. A file already
    /// here is not fetched again: one this node shares, or the same content under the target
    /// name. A name that means two different files on the network is not guessed at.
    ///
    /// - Parameters:
    ///   - name: the file name to save under; by default the last component of the name the
    ///     providers share it under, cleaned of control characters and leading dots.
    ///   - resolved: told what was found before the download starts (the shell prints it).
    ///   - progress: told how the download goes, a few times a second.
    /// - Throws: ``SharingError/fileNotFound(_:)``, ``SharingError/fetchFailed(_:)``,
    ///   ``SharingError/targetExists(_:)``, ``SharingError/diskFull(directory:needed:)``,
    ///   ``SharingError/noShareDirectory``, ``SharingError/ambiguousName(_:candidates:)``,
    ///   ``SharingError/sharePathRejected(path:reason:)`` for a `name` that is not a plain file
    ///   name, ``SharingError/cancelled``.
    public func fetch(_ file: String, to directory: String? = nil, as name: String? = nil,
                      resolved: @escaping @Sendable (FetchPlan) -> Void = { _ in },
                      progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }) async throws(SharingError) -> FetchReport {
        do {
            let report = try await performFetch(file, to: directory, as: name, resolved: resolved, progress: progress)
            counters.addFetch(succeeded: true)
            return report
        } catch {
            counters.addFetch(succeeded: false)
            throw error
        }
    }

    private func performFetch(_ file: String, to directory: String?, as chosenName: String?,
                              resolved: @escaping @Sendable (FetchPlan) -> Void,
                              progress: @escaping @Sendable (DownloadProgress) -> Void) async throws(SharingError) -> FetchReport {
        let started = ContinuousClock.now
        let target = try FetchTarget(file)
        let intoShare = directory == nil
        guard let destination = directory.map(Self.absolute) ?? index?.root.path else { throw .noShareDirectory }
        try Self.checkDirectory(destination)
        if let chosenName {
            if let reason = chosenName.contains("/") ? "give a file name, without '/'" : ShareRoot.rejection(of: chosenName) {
                throw .sharePathRejected(path: ShareRoot.display(chosenName), reason: reason)
            }
        }

        if let local = await localFile(named: target.text), let root = index?.root {
            return try await alreadyPresent(local, root: root, destination: intoShare && chosenName == nil ? nil : destination,
                                            as: chosenName)
        }
        var plans = try await findProviders(for: target)
        guard !plans.isEmpty else {
            throw .fileNotFound(target.isHash ? "a file with sha256 \(target.text.prefix(12))…" : "\"\(target.text)\"")
        }
        plans.sort { $0.providers.count > $1.providers.count }
        if !target.isHash, Set(plans.map(\.sha256)).count > 1 {
            throw .ambiguousName(target.text, candidates: plans.map {
                FetchCandidate(sha256: $0.sha256.hexString, size: $0.size, providers: $0.providers.count)
            })
        }
        var failures: [String] = []
        for plan in plans {
            if let index, let local = await index.file(sha256: plan.sha256) {
                return try await alreadyPresent(local, root: index.root,
                                                destination: intoShare && chosenName == nil ? nil : destination, as: chosenName)
            }
            guard !fetching.contains(plan.sha256) else {
                throw .fetchFailed("\(target.text) is already being fetched: wait for that fetch to end")
            }
            fetching.insert(plan.sha256)
            defer { fetching.remove(plan.sha256) }
            do {
                let (pieces, _) = try await Download.pieceList(sha256: plan.sha256, providers: plan.providers, client: client,
                                                                    logger: logger)
                let name = chosenName ?? Self.localName(for: target.isHash ? pieces.path : target.text, sha256: plan.sha256)
                if let there = try await sameFile(at: destination + "/" + name, size: pieces.size, sha256: plan.sha256) {
                    return there
                }
                resolved(plan)
                let fetched = FetchedBytes(counters)
                let report = try await Download.run(pieces: pieces, providers: plan.providers, into: destination, name: name,
                                                    client: client, logger: logger, progress: { update in
                                                        fetched.record(update.bytesFetched)
                                                        progress(update)
                                                    })
                var shared = false
                if intoShare, let index {
                    shared = (try? await index.adopt(name, pieces: pieces)) != nil
                    if shared { announceSoon() }
                }
                let resumedBytes = min(pieces.size, Int64(report.resumedPieces) * Int64(pieces.pieceSize))
                return FetchReport(path: destination + "/" + name, size: pieces.size, sha256: plan.sha256.hexString,
                                   providers: report.providers.filter { $0.pieces > 0 }.count,
                                   seconds: started.duration(to: .now).inSeconds, bytesFetched: pieces.size - resumedBytes,
                                   resumedPieces: report.resumedPieces, alreadyPresent: false, shared: shared, copied: false)
            } catch .cancelled {
                throw .cancelled
            } catch .targetExists(let path) {
                throw .targetExists(path)
            } catch .diskFull(let directory, let needed) {
                throw .diskFull(directory: directory, needed: needed)
            } catch {
                failures.append("\(error)")
            }
        }
        throw .fetchFailed(failures.joined(separator: "; "))
    }

    /// A fetch of a file this node already shares: nothing to download. Into the share
    /// directory that is all; into another directory, the shared copy is copied there.
    private func alreadyPresent(_ file: SharedFile, root: ShareRoot, destination: String?,
                                as chosenName: String?) async throws(SharingError) -> FetchReport {
        var path = root.path + "/" + file.path
        if let destination {
            let name = chosenName ?? Self.localName(for: file.path, sha256: file.sha256)
            if let there = try await sameFile(at: destination + "/" + name, size: file.size, sha256: file.sha256) {
                return there
            }
            let source = try root.resolve(relativePath: file.path)
            try await SharingError.reporting("cannot copy \(file.path) to \(destination)") {
                try await NIOThreadPool.singleton.runIfActive { try FileCopy.copy(from: source, named: name, into: destination) }
            }
            path = destination + "/" + name
        }
        return FetchReport(path: path, size: file.size, sha256: file.sha256.hexString, providers: 0, seconds: 0,
                           bytesFetched: 0, resumedPieces: 0, alreadyPresent: true, shared: destination == nil, copied: destination != nil)
    }

    /// A report that the file is already at `path` when a file there has this content; nil when
    /// nothing is there. A different file there is never replaced: the error says to choose
    /// another name.
    private func sameFile(at path: String, size: Int64, sha256: [UInt8]) async throws(SharingError) -> FetchReport? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        var matches = false
        if status.st_mode & S_IFMT == S_IFREG, Int64(status.st_size) == size {
            let hashed = try? await NIOThreadPool.singleton.runIfActive {
                try PieceHasher.hash(path: path, realPath: path).file.sha256
            }
            matches = hashed == sha256
        }
        guard matches else { throw .targetExists(path) }
        return FetchReport(path: path, size: size, sha256: sha256.hexString, providers: 0, seconds: 0, bytesFetched: 0, resumedPieces: 0,
                           alreadyPresent: true, shared: false, copied: false)
    }

    /// What `target` may be, and who provides each candidate, from every source at once: the
    /// name's records and `get_peers` in the DHT, and the neighbours' answers. Providers of the
    /// same content are merged, so one that left is skipped by the download while the others serve.
    func findProviders(for target: FetchTarget) async throws(SharingError) -> [FetchPlan] {
        async let offers = whoHas(target.text, includingSelf: false).providers
        var plans = await dhtPlans(for: target)
        for offer in await offers {
            guard let sha256 = [UInt8](hex: offer.sha256), sha256.count == 32, !offer.url.isEmpty else { continue }
            if let index = plans.firstIndex(where: { $0.sha256 == sha256 }) {
                if !plans[index].providers.contains(offer.url) { plans[index].providers.append(offer.url) }
            } else {
                plans.append(FetchPlan(name: target.text, sha256: sha256, size: offer.size, providers: [offer.url],
                                       source: .neighbours))
            }
        }
        guard !Task.isCancelled else { throw .cancelled }
        return plans
    }

    /// The candidates the DHT knows: the name's records (or the hash asked for), each with the
    /// providers `get_peers` finds for it.
    private func dhtPlans(for target: FetchTarget) async -> [FetchPlan] {
        var records: [NameRecord] = []
        if let sha256 = target.sha256 {
            records = [NameRecord(sha256: sha256, size: -1)]
        } else if await !node.routingTable().isEmpty, let found = try? await node.get(NameRecord.key(for: target.text)) {
            records = found.values.compactMap(NameRecord.init(decoding:))
            if !records.isEmpty { noteSeen(target.text) }
        }
        var plans: [FetchPlan] = []
        for record in records where !Task.isCancelled {
            let providers = await node.providers(of: NameRecord.infoHash(sha256: record.sha256)).filter { !isSelf($0) }
            if !providers.isEmpty {
                plans.append(FetchPlan(name: target.text, sha256: record.sha256, size: record.size,
                                       providers: providers.map { "http://\($0)" }, source: .dht))
            }
        }
        return plans
    }

    /// Whether a provider address is this node's own HTTP server.
    private func isSelf(_ address: NodeAddress) -> Bool {
        guard Int(address.port) == httpPort else { return false }
        return address.isLocal || address.host == nodeAddress?.host
    }

    /// The name a fetched file gets: the last component of its name, with control characters
    /// made `_` and leading dots dropped, when that leaves a plain file name; else its hash.
    /// Names come from the network, so nothing else is trusted.
    static func localName(for name: String, sha256: [UInt8]) -> String {
        var last = String(String.UnicodeScalarView(
            (name.split(separator: "/").last ?? "").unicodeScalars.map { scalar in
                scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
                    || (0x2066...0x2069).contains(scalar.value) ? "_" : scalar
            }))
        while last.hasPrefix(".") { last.removeFirst() }
        if !last.isEmpty, ShareRoot.rejection(of: last) == nil { return last }
        return sha256.hexString
    }

    private static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.standardizedFileURL.path
    }

    private static func checkDirectory(_ path: String) throws(SharingError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .fetchFailed("\(path) is not a directory: create it first")
        }
    }
}

/// Adds a download's bytes to the node's counters as they arrive, failed downloads' included.
private final class FetchedBytes: Sendable {
    private let counters: TransferCounters
    private let counted = Atomic<Int64>(0)

    init(_ counters: TransferCounters) { self.counters = counters }

    /// Takes the download's running total and counts what is new since the last call.
    func record(_ total: Int64) {
        let previous = counted.exchange(total, ordering: .relaxed)
        if total > previous { counters.addDownloaded(Int(total - previous)) }
    }
}
