import PeerKit
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A node's HTTP server: it serves the shared files to peers, answers neighbours' who-has
/// queries, and takes the owner's admin commands.
///
/// Routes (every file route answers GET and HEAD):
/// - `/sha256/<64 hex>` and `/files/<percent-encoded path>`: a shared file, with `ETag`
///   (its SHA-256), `Last-Modified`, single byte ranges (206/416) and `If-None-Match` (304);
/// - `/pieces/<64 hex>`: the file's ``PieceList`` in JSON; `/files`: every indexed file;
/// - `/who-has?name=…&history=…`: ``FileServerHandlers/whoHas``;
/// - `/admin/stats`, `POST /admin/fetch?file=…`: only with `Authorization: Bearer <secret>`.
///
/// The route table is ``Responder/routes`` (FileServer+Routes.swift).
///
/// A file is served only when the share index knows it and ``ShareRoot/resolve(_:)``
/// accepts its path: the path in the URL is handed to `resolve` still percent-encoded, so it
/// is decoded exactly once, by the code that checks it. A file that changed on disk since it
/// was indexed is not served (its bytes would not match its hash) until the next rescan.
///
/// Files are read on NIO's thread pool in 1 MiB chunks, the next chunk read while the last
/// is sent, so a download holds a few chunks of memory (the one being read, and at most
/// about three queued on the connection) whatever the file's size.
final class FileServer: Sendable {
    /// The address the server listens on.
    let host: String
    /// The TCP port the server listens on: the bound port when it was started with port 0.
    let port: Int
    /// Runs the Hummingbird application until shut down.
    private let task: Task<Void, Never>
    /// The application's service group, shut down gracefully by ``close()``.
    private let services: ServiceGroup

    private init(host: String, port: Int, task: Task<Void, Never>, services: ServiceGroup) {
        self.host = host
        self.port = port
        self.task = task
        self.services = services
    }

    /// Starts a server on `host`:`port` (0 for any free port) and returns once it listens.
    ///
    /// - Parameters:
    ///   - index: the shared files; nil when the node shares nothing (file routes answer 404).
    ///   - secret: what `/admin/` requests must carry.
    ///   - handlers: the node's answers to who-has and admin requests.
    ///   - counters: where bytes sent are counted.
    ///   - connections: the limits connections are held to, and their counters.
    /// - Throws: ``SharingError/httpPortInUse(_:)`` when the port is taken,
    ///   ``SharingError/bindFailed(_:)`` when the address cannot be listened on for another
    ///   reason, ``SharingError/cancelled`` when the calling task is cancelled.
    static func start(host: String, port: Int, index: ShareIndex?, secret: AdminSecret,
                      handlers: FileServerHandlers, counters: TransferCounters,
                      connections: ConnectionLimits = ConnectionLimits(HTTPLimits()),
                      logger: Logger) async throws(SharingError) -> FileServer {
        let responder = Responder(index: index, secret: secret, handlers: handlers, counters: counters,
                                  pool: .singleton, logger: logger)
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        // Hummingbird reports a cancelled accept loop, which is how close() stops it, as an
        // error; its other messages (and the service lifecycle's) are detail about the framework,
        // not the protocol. Quiet, and at info when the node is debugging (`-v` shows requests
        // from our own responder).
        var frameworkLogger = logger
        frameworkLogger.logLevel = frameworkLogger.logLevel > .debug ? .critical : .info
        let application = Application(
            responder: responder,
            server: .http1(configuration: http1Configuration(connections)),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? port))
            },
            eventLoopGroupProvider: .singleton,
            logger: frameworkLogger
        )
        var serviceConfiguration = ServiceGroupConfiguration(services: [application], logger: frameworkLogger)
        serviceConfiguration.maximumGracefulShutdownDuration = closeGracePeriod
        let services = ServiceGroup(configuration: serviceConfiguration)
        let task = Task {
            do {
                try await services.run()
                continuation.yield(.failure(CancellationError()))
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        var outcome: Result<Int, any Error> = .failure(CancellationError())
        for await event in events {
            outcome = event
            break
        }
        switch outcome {
        case .success(let boundPort):
            return FileServer(host: host, port: boundPort, task: task, services: services)
        case .failure(let error):
            task.cancel()
            await task.value
            if Task.isCancelled || error is CancellationError { throw .cancelled }
            if let error = error as? IOError, error.errnoCode == EADDRINUSE { throw .httpPortInUse(port) }
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "the address cannot be used"
            throw .bindFailed("cannot listen for HTTP on \(host):\(port): \(reason)")
        }
    }

    /// HTTP/1.1 with the connection limits: head and idle deadlines are the guard's (Hummingbird's
    /// own idle timeout would run one clock for both), the head size is the decoder's.
    private static func http1Configuration(_ connections: ConnectionLimits) -> HTTP1Channel.Configuration {
        let headBytes = connections.limits.maxHeadBytes
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limits: connections)],
            idleTimeout: nil,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: headBytes, maxHeaderListSize: headBytes,
                                            maxHeaderFieldCount: 100))
    }

    /// The base URL peers use, such as "http://127.0.0.1:7001".
    var baseURL: String {
        "http://" + NodeAddress.text(host: host, port: port)
    }

    /// Stops listening and closes every connection, including downloads in progress, then
    /// returns. Calling it again does nothing.
    ///
    /// The server is first shut down gracefully: cancelling a NIO server outright can drop a
    /// connection it has just accepted without closing it, which traps
    /// (https://github.com/apple/swift-nio/issues/3481). Downloads still running after
    /// ``closeGracePeriod`` are then cut off: the service group escalates to cancellation,
    /// once no new connection can be accepted.
    func close() async {
        await services.triggerGracefulShutdown()
        await task.value
    }

    /// How long ``close()`` lets requests in progress finish before cutting them off.
    static let closeGracePeriod: Duration = .seconds(1)
}
