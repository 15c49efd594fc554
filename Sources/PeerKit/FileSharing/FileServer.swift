import Foundation
import Hummingbird
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
/// A file is served only when the share index knows it and ``ShareRoot/resolve(_:)``
/// accepts its path: the path in the URL is handed to `resolve` still percent-encoded, so it
/// is decoded exactly once, by the code that checks it. A file that changed on disk since it
/// was indexed is not served (its bytes would not match its hash) until the next rescan.
///
/// Files are read on NIO's thread pool in 1 MiB chunks, the next chunk read while the last
/// is sent, so a download holds a few chunks of memory (the one being read, and at most
/// about three queued on the connection) whatever the file's size.
public final class FileServer: Sendable {
    /// The address the server listens on.
    public let host: String
    /// The TCP port the server listens on: the bound port when it was started with port 0.
    public let port: Int
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
    /// - Throws: ``NodeError/httpPortInUse(_:)`` when the port is taken,
    ///   ``NodeError/bindFailed(_:)`` when the address cannot be listened on for another
    ///   reason, ``NodeError/cancelled`` when the calling task is cancelled.
    public static func start(host: String, port: Int, index: ShareIndex?, secret: AdminSecret,
                             handlers: FileServerHandlers, counters: TransferCounters,
                             logger: Logger) async throws(NodeError) -> FileServer {
        let responder = Responder(index: index, secret: secret, handlers: handlers, counters: counters,
                                  pool: .singleton, logger: logger)
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        // Hummingbird reports a cancelled accept loop, which is how close() stops it, as an
        // error; its other messages are debugging detail. Quiet unless the node is debugging.
        var frameworkLogger = logger
        if frameworkLogger.logLevel > .debug { frameworkLogger.logLevel = .critical }
        let application = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(120))),
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
            throw .bindFailed("cannot listen for HTTP on \(host):\(port): \(error)")
        }
    }

    /// The base URL peers use, such as "http://127.0.0.1:7001".
    public var baseURL: String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Stops listening and closes every connection, including downloads in progress, then
    /// returns. Calling it again does nothing.
    ///
    /// The server is first shut down gracefully: cancelling a NIO server outright can drop a
    /// connection it has just accepted without closing it, which traps
    /// (https://github.com/apple/swift-nio/issues/3481). Downloads still running after
    /// ``closeGracePeriod`` are then cut off: the service group escalates to cancellation,
    /// once no new connection can be accepted.
    public func close() async {
        await services.triggerGracefulShutdown()
        await task.value
    }

    /// How long ``close()`` lets requests in progress finish before cutting them off.
    static let closeGracePeriod: Duration = .seconds(1)
}

extension FileServer {
    /// A request that cannot be answered as asked: the status and a line saying why.
    struct Failure: Error {
        var status: HTTPResponse.Status
        var message: String
        var headers = HTTPFields()

        init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = HTTPFields()) {
            self.status = status
            self.message = message
            self.headers = headers
        }

        /// The status and message for an error of the share directory or of a handler.
        init(_ error: NodeError) {
            let status: HTTPResponse.Status = switch error {
            case .sharePathRejected: .badRequest
            case .sharedFileNotFound, .fileNotFound: .notFound
            case .targetExists, .noShareDirectory: .conflict
            case .diskFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
            case .fetchFailed: .badGateway
            case .cancelled: .serviceUnavailable
            default: .internalServerError
            }
            self.init(status, error.description)
        }

        var response: Response {
            var headers = self.headers
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
        }
    }

    /// A shared file opened for reading; closed when the last reference goes, so a response
    /// that is dropped before its body is sent does not leak the descriptor.
    ///
    /// Sendable: the descriptor never changes, and `pread` at explicit offsets may be used by
    /// several threads at once.
    final class OpenFile: Sendable {
        let descriptor: CInt
        /// Size and mtime when it was opened.
        let stamp: FileStamp

        /// Opens `realPath` (a path with no symbolic links, from ``ShareRoot``) for reading.
        /// Blocking.
        ///
        /// The last component is opened with `O_NOFOLLOW` and `O_NONBLOCK`, and the open file
        /// must be a regular file, so a symbolic link or FIFO put in the file's place after
        /// it was checked is refused and cannot stall a thread.
        init(realPath: String, display: String) throws(NodeError) {
            let descriptor = open(realPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard descriptor >= 0 else {
                if errno == ENOENT { throw .sharedFileNotFound(display) }
                throw .sharePathRejected(path: display, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            guard fstat(descriptor, &info) == 0, FileKind(info) == .regular else {
                closeDescriptor(descriptor)
                throw .sharePathRejected(path: display, reason: "it is not a regular file")
            }
            self.descriptor = descriptor
            self.stamp = FileStamp(info)
        }

        deinit { closeDescriptor(descriptor) }

        /// `count` bytes at `offset`. Blocking.
        func read(offset: Int64, count: Int) throws -> ByteBuffer {
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            var done = 0
            while done < count {
                let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { memory -> Int in
                    while true {
                        let result = pread(descriptor, memory.baseAddress, count - done, off_t(offset) + off_t(done))
                        if result >= 0 { return result }
                        if errno != EINTR { throw ReadError(reason: String(cString: strerror(errno))) }
                    }
                }
                guard got > 0 else { throw ReadError(reason: "the file got shorter while it was sent") }
                done += got
            }
            return buffer
        }
    }

    /// A shared file could not be read while its body was sent; the connection is closed.
    struct ReadError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "cannot read a shared file: \(reason)" }
    }

    /// One entry of `GET /files`.
    struct Listing: Codable {
        var path: String
        var size: Int64
        var sha256: String
    }
}

extension FileServer {
    /// What a request handler knows besides the request: Hummingbird's context, and the
    /// connection, whose write buffer is enlarged for file bodies.
    struct ConnectionContext: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel

        init(source: ApplicationRequestContextSource) {
            coreContext = CoreRequestContextStorage(source: source)
            channel = source.channel
        }
    }

    /// Routes requests. The path is read raw from the request line, never decoded on the way.
    struct Responder: HTTPResponder {
        typealias Context = ConnectionContext

        let index: ShareIndex?
        let secret: AdminSecret
        let handlers: FileServerHandlers
        let counters: TransferCounters
        let pool: NIOThreadPool
        let logger: Logger

        /// Bytes read from the disk and sent at a time.
        static let chunkSize = 1 << 20
        /// The most node ids a who-has history may list.
        static let maxHistory = 64
        /// The longest file name a who-has or fetch may ask for, in bytes.
        static let maxNameBytes = 4096

        func respond(to request: Request, context: Context) async throws -> Response {
            let response: Response
            do {
                response = try await route(request, context: context)
            } catch {
                response = error.response
            }
            logger.debug("http", metadata: ["method": "\(request.method)", "path": "\(ShareRoot.display(request.uri.path))",
                                            "status": "\(response.status.code)"])
            return response
        }

        private func route(_ request: Request, context: Context) async throws(Failure) -> Response {
            let path = request.uri.path
            let method = request.method
            if path == "/admin" || path.hasPrefix("/admin/") {
                // Before anything else, so nothing about the admin routes leaks without the secret.
                guard secret.authorizes(request.headers[.authorization]) else {
                    var headers = HTTPFields()
                    headers[.wwwAuthenticate] = "Bearer"
                    throw Failure(.unauthorized, "this needs the node's admin secret: send Authorization: Bearer <secret>",
                                  headers: headers)
                }
                switch path {
                case "/admin/stats":
                    try allow(request, [.get, .head])
                    let stats = await handlers.stats()
                    return json(stats, head: method == .head)
                case "/admin/fetch":
                    try allow(request, [.post])
                    let query = try Self.query(request.uri.query)
                    guard let file = query["file"], !file.isEmpty else {
                        throw Failure(.badRequest, "say which file to fetch: POST /admin/fetch?file=<name or sha256>")
                    }
                    try Self.checkName(file, what: "file")
                    let result: Data
                    do {
                        result = try await handlers.fetch(file)
                    } catch {
                        throw Failure(error)
                    }
                    return json(result, head: false)
                default:
                    throw Failure(.notFound, "no such admin request: use /admin/stats or /admin/fetch")
                }
            }
            if path == "/files" {
                try allow(request, [.get, .head])
                let files = await index?.files ?? []
                return json(encode(files.map { Listing(path: $0.path, size: $0.size, sha256: $0.sha256.hexString) }),
                            head: method == .head)
            }
            if path.hasPrefix("/files/") {
                try allow(request, [.get, .head])
                return try await serve(encodedPath: String(path.dropFirst("/files/".count)), request: request, context: context)
            }
            if path.hasPrefix("/sha256/") {
                try allow(request, [.get, .head])
                let hash = try Self.sha256(path.dropFirst("/sha256/".count))
                guard let file = await index?.file(sha256: hash) else {
                    throw Failure(.notFound, "no shared file has sha256 \(hash.hexString)")
                }
                return try await serve(file, request: request, context: context)
            }
            if path.hasPrefix("/pieces/") {
                try allow(request, [.get, .head])
                let hash = try Self.sha256(path.dropFirst("/pieces/".count))
                guard let file = await index?.file(sha256: hash) else {
                    throw Failure(.notFound, "no shared file has sha256 \(hash.hexString)")
                }
                return json(encode(PieceList(file)), head: method == .head)
            }
            if path == "/who-has" {
                try allow(request, [.get])
                let query = try Self.query(request.uri.query)
                guard let name = query["name"], !name.isEmpty else {
                    throw Failure(.badRequest, "say which file: GET /who-has?name=<percent-encoded name>")
                }
                try Self.checkName(name, what: "name")
                var history: [NodeID] = []
                if let list = query["history"], !list.isEmpty {
                    let items = list.split(separator: ",", omittingEmptySubsequences: false)
                    guard items.count <= Self.maxHistory else {
                        throw Failure(.badRequest, "the history lists more than \(Self.maxHistory) nodes")
                    }
                    for item in items {
                        guard let id = NodeID(hex: String(item)) else {
                            throw Failure(.badRequest, "the history has \(ShareRoot.display(String(item))), which is not a 40-hex node id")
                        }
                        history.append(id)
                    }
                }
                return json(encode(await handlers.whoHas(name, history)), head: false)
            }
            throw Failure(.notFound, "no such resource: try /files, /files/<path>, /sha256/<hex> or /pieces/<hex>")
        }

        // MARK: Files

        /// Serves the indexed file at a share path still percent-encoded as in the URL.
        private func serve(encodedPath: String, request: Request, context: Context) async throws(Failure) -> Response {
            guard let index else { throw Failure(.notFound, "this node shares no files") }
            let root = index.root
            let opened: (decoded: String, file: OpenFile)
            do {
                opened = try await pool.runIfActive { () throws -> (decoded: String, file: OpenFile) in
                    let real = try root.resolve(encodedPath)  // decodes, once, and checks
                    let decoded = encodedPath.removingPercentEncoding ?? encodedPath
                    return (decoded, try OpenFile(realPath: real.path, display: ShareRoot.display(decoded)))
                }
            } catch let error as NodeError {
                throw Failure(error)
            } catch {
                throw Failure(.serviceUnavailable, "the server is shutting down")
            }
            guard let file = await index.file(atPath: opened.decoded) else {
                throw Failure(.sharedFileNotFound(ShareRoot.display(opened.decoded)))
            }
            return try await serve(file, opened: opened.file, request: request, context: context)
        }

        /// Serves an indexed file, found by hash: its path is checked and opened first.
        private func serve(_ file: SharedFile, request: Request, context: Context) async throws(Failure) -> Response {
            guard let index else { throw Failure(.notFound, "this node shares no files") }
            let root = index.root
            let opened: OpenFile
            do {
                opened = try await pool.runIfActive {
                    let display = ShareRoot.display(file.path)
                    return try OpenFile(realPath: try root.resolve(relativePath: file.path), display: display)
                }
            } catch let error as NodeError {
                throw Failure(error)
            } catch {
                throw Failure(.serviceUnavailable, "the server is shutting down")
            }
            return try await serve(file, opened: opened, request: request, context: context)
        }

        private func serve(_ file: SharedFile, opened: OpenFile, request: Request, context: Context) async throws(Failure) -> Response {
            guard opened.stamp.size == file.size, opened.stamp.modified == file.modified else {
                throw Failure(.notFound, "\(ShareRoot.display(file.path)) changed since it was indexed; it is served again after the next rescan")
            }
            let etag = "\"\(file.sha256.hexString)\""
            var headers = HTTPFields()
            headers[.eTag] = etag
            headers[.lastModified] = Self.httpDate(file.modified)
            headers[.acceptRanges] = "bytes"
            headers[.contentType] = "application/octet-stream"

            if let condition = request.headers[.ifNoneMatch], Self.matches(condition, etag: etag) {
                var response = Response(status: .notModified, headers: headers)
                response.headers[.contentLength] = nil
                return response
            }
            let isHead = request.method == .head
            // Range applies to GET only (RFC 9110 §14.2); If-Range that does not match asks for the whole.
            var rangeHeader = isHead ? nil : request.headers[.range]
            if rangeHeader != nil, let condition = request.headers[.ifRange],
               condition != etag, condition != headers[.lastModified] {
                rangeHeader = nil
            }
            let bytes: ClosedRange<Int64>?
            var status = HTTPResponse.Status.ok
            switch ByteRange.selection(header: rangeHeader, size: file.size) {
            case .whole:
                bytes = file.size > 0 ? 0 ... file.size - 1 : nil
            case .part(let part):
                bytes = part
                status = .partialContent
                headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(file.size)"
            case .unsatisfiable:
                var failureHeaders = HTTPFields()
                failureHeaders[.contentRange] = "bytes */\(file.size)"
                throw Failure(.rangeNotSatisfiable, "the range \(ShareRoot.display(rangeHeader ?? "")) is outside the file's \(file.size) bytes",
                              headers: failureHeaders)
            }
            let length = bytes.map { Int($0.upperBound - $0.lowerBound + 1) } ?? 0
            headers[.contentLength] = String(length)
            if isHead {
                return Response(status: status, headers: headers)
            }
            if (bytes?.lowerBound ?? 0) == 0 {
                await index?.recordServed(file.path)
            }
            guard let bytes else {
                return Response(status: status, headers: headers)
            }
            if length > Self.chunkSize {
                // NIO's default write buffer (64 KiB) is smaller than a chunk: the next chunk
                // could only be queued once the last was almost sent, leaving the socket idle
                // between chunks. Measured: about a quarter faster with room for two chunks.
                try? await context.channel.setOption(ChannelOptions.writeBufferWaterMark,
                                                     value: .init(low: Self.chunkSize, high: 2 * Self.chunkSize)).get()
            }
            let pool = self.pool, counters = self.counters, logger = self.logger
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: length) { writer in
                do {
                    try await Self.send(opened, bytes: bytes, to: &writer, pool: pool, counters: counters)
                } catch let error as ReadError {
                    logger.warning("a download was cut", metadata: ["path": "\(ShareRoot.display(file.path))", "error": "\(error)"])
                    throw error
                }
                try await writer.finish(nil)
            })
        }

        /// Sends `bytes` of a file in chunks, reading the next chunk while the last is sent.
        private static func send(_ file: OpenFile, bytes: ClosedRange<Int64>, to writer: inout any ResponseBodyWriter,
                                 pool: NIOThreadPool, counters: TransferCounters) async throws {
            let end = bytes.upperBound + 1
            func read(at offset: Int64) -> Task<ByteBuffer, any Error> {
                let count = Int(min(Int64(chunkSize), end - offset))
                return Task { try await pool.runIfActive { try file.read(offset: offset, count: count) } }
            }
            var offset = bytes.lowerBound
            var next: Task<ByteBuffer, any Error>? = read(at: offset)
            defer { next?.cancel() }
            while let pending = next {
                let chunk = try await pending.value
                offset += Int64(chunk.readableBytes)
                next = offset < end ? read(at: offset) : nil
                try Task.checkCancellation()
                try await writer.write(chunk)
                counters.addUploaded(chunk.readableBytes)
            }
        }

        // MARK: Helpers

        /// Refuses a method the route does not answer, with 405 and `Allow`.
        private func allow(_ request: Request, _ methods: [HTTPRequest.Method]) throws(Failure) {
            guard !methods.contains(request.method) else { return }
            var headers = HTTPFields()
            headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
            throw Failure(.methodNotAllowed, "\(request.method) is not allowed here; use \(headers[.allow] ?? "")", headers: headers)
        }

        private func encode(_ value: some Encodable) -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(value)) ?? Data("null".utf8)
        }

        private func json(_ data: Data, head: Bool) -> Response {
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            let response = Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            return head ? response.createHeadResponse() : response
        }

        /// A 64-hex SHA-256 from a URL path.
        private static func sha256(_ text: Substring) throws(Failure) -> [UInt8] {
            guard text.utf8.count == 64, let bytes = [UInt8](hex: text) else {
                throw Failure(.badRequest, "\(ShareRoot.display(String(text))) is not a sha256: give 64 hex digits")
            }
            return bytes
        }

        /// The parameters of a query string, each value percent-decoded once. A `+` is kept
        /// as it is (not read as a space), since names may contain it.
        static func query(_ query: String?) throws(Failure) -> [String: String] {
            guard let query, !query.isEmpty else { return [:] }
            guard query.utf8.count <= 3 * (maxNameBytes + 64 * 41) else {
                throw Failure(.badRequest, "the query is too long")
            }
            var parameters: [String: String] = [:]
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = parts[0].removingPercentEncoding,
                      let value = (parts.count > 1 ? parts[1] : "").removingPercentEncoding else {
                    throw Failure(.badRequest, "the query has a '%' that does not start an escape of UTF-8 text (write '%' as %25)")
                }
                guard parameters[key] == nil else {
                    throw Failure(.badRequest, "the query gives \(ShareRoot.display(key)) twice")
                }
                parameters[key] = value
            }
            return parameters
        }

        /// Refuses names no shared file can have: NUL bytes, or longer than a path may be.
        private static func checkName(_ name: String, what: String) throws(Failure) {
            guard name.utf8.count <= maxNameBytes else {
                throw Failure(.badRequest, "the \(what) is longer than \(maxNameBytes) bytes")
            }
            guard !name.utf8.contains(0) else {
                throw Failure(.badRequest, "the \(what) contains a NUL byte")
            }
        }

        /// Whether an `If-None-Match` value names this entity tag (weak comparison, RFC 9110 §13.1.2).
        static func matches(_ condition: String, etag: String) -> Bool {
            for item in condition.split(separator: ",") {
                var tag = item.trimmingCharacters(in: .whitespaces)[...]
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
                if String(tag) == etag { return true }
            }
            return false
        }

        /// A time as an HTTP date (IMF-fixdate, RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
        static func httpDate(_ date: Date) -> String {
            var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        }
    }
}

/// `close(2)`, out of reach of ``FileServer/close()``.
private func closeDescriptor(_ descriptor: CInt) {
    close(descriptor)
}
