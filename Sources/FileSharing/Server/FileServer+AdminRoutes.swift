import PeerKit
import Foundation
import Hummingbird

/// The owner's admin routes: the secret they need, and their handlers.
extension FileServer.Responder {
    /// Refuses a request without `Authorization: Bearer <secret>`, with 401 and
    /// `WWW-Authenticate`.
    func requireSecret(_ request: Request) throws(Failure) {
        guard secret.authorizes(request.headers[.authorization]) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            throw Failure(.unauthorized, "this needs the node's admin secret: send Authorization: Bearer <secret>",
                          headers: headers)
        }
    }

    /// `GET /admin/stats`: ``FileServerHandlers/stats``.
    func adminStats(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        let stats = await handlers.stats()
        return json(stats, head: request.method == .head)
    }

    /// `POST /admin/fetch?file=<name or sha256>`: ``FileServerHandlers/fetch``, its errors
    /// turned into statuses by ``FileServer/Failure/init(_:)``.
    func adminFetch(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
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
    }
}
