import PeerKit
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix

/// The file-sharing half of a node: it serves the share directory over HTTP, announces
/// what it shares in the DHT, answers and asks "who has NAME?", and fetches files from
/// several providers at once.
///
/// It lives beside a ``Node`` and uses it for every DHT operation; the node knows nothing
/// of files except the `hello` introductions it relays. Start it with ``start(node:configuration:)``
/// after the node, and ``close()`` it before the node.
public actor FileSharingPeer {
    public nonisolated let node: Node
    public nonisolated let configuration: SharingConfiguration
    /// The share directory's index; nil when the node shares nothing.
    let index: ShareIndex?
    let client: HTTPClient
    let counters = TransferCounters()
    /// The HTTP server's connections, held to ``SharingConfiguration/httpLimits``.
    let connections: ConnectionLimits
    let logger: Logger
    var server: FileServer?
    /// The TCP port the HTTP server is bound to.
    public private(set) var httpPort = 0
    /// When each shared path was last announced, and how many nodes took the announcement.
    var announcements: [String: Announcement] = [:]
    /// Content hashes being fetched now: a second fetch of the same file waits for none, it fails.
    var fetching: Set<[UInt8]> = []
    /// Each neighbour's file names as last fetched (nil: it did not list them), for `neighbours` and completion.
    var neighbourNames: [NodeID: (fetchedAt: ContinuousClock.Instant, names: [String]?)] = [:]
    /// File names met on the network (name lookups, neighbour answers), newest last, for completion.
    public private(set) var seenNames: [String] = []
    var background: Task<Void, Never>?
    /// Announcements started by `share` and `fetch`, which return without waiting for them.
    var announcing: Task<Void, Never>?
    /// The node's UDP address, to recognise this node among providers.
    var nodeAddress: NodeAddress?
    var lastRescan: ContinuousClock.Instant
    /// The peers that introduced themselves with `hello`, by node id.
    var neighbourTable: [NodeID: Neighbour] = [:]

    struct Announcement {
        var at: ContinuousClock.Instant
        var acknowledgements: Int
    }

    private init(node: Node, configuration: SharingConfiguration, index: ShareIndex?, logger: Logger) {
        self.node = node
        self.configuration = configuration
        self.index = index
        self.logger = logger
        self.connections = ConnectionLimits(configuration.httpLimits, isBanned: { [node] address in node.bans(address) })
        self.lastRescan = ContinuousClock.now
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        // Peers come and go: a refused connection means a dead provider now, not after retries.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.decompression = .disabled
        self.client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
                                 configuration: clientConfiguration)
    }

    /// Indexes the share directory (hashing only new or changed files), starts the HTTP
    /// server, adds `hello` (with its HTTP port) to the node's methods, and starts announcing.
    ///
    /// - Throws: ``SharingError/shareDirectory(path:reason:)``, ``SharingError/httpPortInUse(_:)``,
    ///   ``SharingError/storage(_:)``.
    public static func start(node: Node, configuration: SharingConfiguration) async throws(SharingError) -> FileSharingPeer {
        var logger = node.configuration.logger
        logger[metadataKey: "node"] = "\(node.id.hex.prefix(8))"
        var index: ShareIndex?
        if let directory = configuration.shareDirectory {
            let root = try ShareRoot(directory)
            let opened = try ShareIndex(root: root, database: node.database, logger: logger)
            _ = try await opened.scan()
            index = opened
        }
        let peer = FileSharingPeer(node: node, configuration: configuration, index: index, logger: logger)
        do {
            try await peer.startServer()
        } catch {
            try? await peer.client.shutdown()
            throw error
        }
        return peer
    }

    private func startServer() async throws(SharingError) {
        let handlers = FileServerHandlers(
            whoHas: { [weak self] name, history in
                await self?.answerWhoHas(name, history: history) ?? WhoHasAnswer(providers: [], asked: [])
            },
            stats: { [weak self] in
                guard let self else { return Data("{}".utf8) }
                if let adminStatistics = self.configuration.adminStatistics { return await adminStatistics(self) }
                return (try? JSONEncoder.results.encode(await self.statistics())) ?? Data("{}".utf8)
            },
            fetch: { [weak self] file throws(SharingError) in
                guard let self else { throw .cancelled }
                let report = try await self.fetch(file)
                return (try? JSONEncoder.results.encode(report)) ?? Data("{}".utf8)
            },
            metrics: { [weak self] in await self?.metricsText() ?? "" })
        let server = try await FileServer.start(host: configuration.httpHost, port: configuration.httpPort, index: index,
                                                secret: configuration.secret, handlers: handlers, counters: counters,
                                                connections: connections, logger: logger)
        self.server = server
        httpPort = server.port
        nodeAddress = await node.localAddress
        await registerHello()
        background = Task { [weak self] in await self?.maintain() }
    }

    /// Stops announcing and serving. Downloads in progress end as cancelled.
    public func close() async {
        background?.cancel()
        background = nil
        announcing?.cancel()
        announcing = nil
        await server?.close()
        server = nil
        try? await client.shutdown()
    }

    /// What this node shares, after a rescan that picks up files added behind its back.
    public func files() async throws(SharingError) -> [SharedFileStatus] {
        guard let index else { return [] }
        _ = try await index.scan()
        let served = (try? node.database.sharedFilesTimesServed()) ?? [:]
        return await index.files.map {
            SharedFileStatus(path: $0.path, size: $0.size, sha256: $0.sha256.hexString, timesServed: served[$0.path] ?? 0)
        }
    }

    /// The paths of the files shared now, as last indexed (no rescan).
    public func sharedNames() async -> [String] {
        await index?.files.map(\.path) ?? []
    }

    /// Counters and sizes, for `stats`.
    public func statistics() async -> SharingStatistics {
        let files = await index?.files ?? []
        return SharingStatistics(
            httpAddress: NodeAddress.text(host: configuration.httpHost, port: httpPort),
            shareDirectory: index?.root.path,
            filesShared: files.count,
            bytesShared: files.reduce(0) { $0 + $1.size },
            bytesUploaded: counters.bytesUploaded,
            bytesDownloaded: counters.bytesDownloaded,
            fetchesSucceeded: counters.fetchesSucceeded,
            fetchesFailed: counters.fetchesFailed,
            neighbours: neighbourTable.count,
            httpConnections: connections.open,
            httpConnectionsRefused: connections.refused,
            httpConnectionsTimedOut: connections.timedOut,
            httpConnectionsDisplaced: connections.displaced)
    }

    func noteSeen(_ name: String) {
        seenNames.removeAll { $0 == name }
        seenNames.append(name)
        if seenNames.count > 200 { seenNames.removeFirst(seenNames.count - 200) }
    }
}

extension JSONEncoder {
    /// p2psh's one JSON dialect, for the HTTP server and the shell's `--json` alike: snake_case
    /// keys, sorted, so that equal results print equal text.
    public static var results: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}

extension JSONDecoder {
    /// Reads what peers' servers write (``JSONEncoder/results``); camelCase keys of older
    /// peers read too, as they pass through unchanged.
    static var results: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
