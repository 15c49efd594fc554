import PeerKit
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

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
        // The file-serving half (FileServer+Files.swift) extends Responder from outside FileServer.
        typealias Failure = FileServer.Failure
        typealias OpenFile = FileServer.OpenFile

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

        /// Refuses a method the route does not answer, with 405 and `Allow`.
        func allow(_ request: Request, _ methods: [HTTPRequest.Method]) throws(Failure) {
            guard !methods.contains(request.method) else { return }
            var headers = HTTPFields()
            headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
            throw Failure(.methodNotAllowed, "\(request.method) is not allowed here; use \(headers[.allow] ?? "")", headers: headers)
        }

        private func encode(_ value: some Encodable) -> Data {
            (try? JSONEncoder.sorted.encode(value)) ?? Data("null".utf8)
        }

        func json(_ data: Data, head: Bool) -> Response {
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
    }

    /// One entry of `GET /files`.
    struct Listing: Codable {
        var path: String
        var size: Int64
        var sha256: String
    }
}
