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

        /// Answers a request from the route table (FileServer+Routes.swift): an admin path
        /// needs the secret before anything else, so nothing about the admin routes leaks
        /// without it; an unknown path is 404, a known path asked with another method 405.
        private func route(_ request: Request, context: Context) async throws(Failure) -> Response {
            let path = request.uri.path
            let isAdmin = Self.adminArea.contains { $0.match(path) != nil }
            if isAdmin {
                try requireSecret(request)
            }
            guard let (route, argument) = Self.match(path) else {
                throw isAdmin ? Failure(.notFound, "no such admin request: use /admin/stats or /admin/fetch")
                              : Failure(.notFound, "no such resource: try /files, /files/<path>, /sha256/<hex> or /pieces/<hex>")
            }
            try allow(request, route.methods)
            return try await route.handler(self)(request, context, argument)
        }
    }
}
