import PeerKit
import Foundation
import Hummingbird

/// The handlers of the file routes: the listing, a file by path or by hash, and its pieces.
extension FileServer.Responder {
    /// `GET /files`: every indexed file, as ``FileServer/Listing`` entries.
    func listFiles(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        let files = await index?.files ?? []
        return json(encode(files.map { FileServer.Listing(path: $0.path, size: $0.size, sha256: $0.sha256.hexString) }),
                    head: request.method == .head)
    }

    /// `GET /files/<percent-encoded path>`: the file, its path passed on still encoded.
    func fileAtPath(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        try await serve(encodedPath: String(argument), request: request, context: context)
    }

    /// `GET /sha256/<64 hex>`: the indexed file with this hash.
    func fileBySHA256(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        let file = try await indexedFile(sha256: argument)
        return try await serve(file, request: request, context: context)
    }

    /// `GET /pieces/<64 hex>`: the ``PieceList`` of the indexed file with this hash.
    func pieceList(_ request: Request, _ context: Context, _ argument: Substring) async throws(Failure) -> Response {
        let file = try await indexedFile(sha256: argument)
        return json(encode(PieceList(file)), head: request.method == .head)
    }

    /// The indexed file whose hash the path gives: 400 when it is not 64 hex, 404 when unknown.
    private func indexedFile(sha256 text: Substring) async throws(Failure) -> SharedFile {
        let hash = try Self.sha256(text)
        guard let file = await index?.file(sha256: hash) else {
            throw Failure(.notFound, "no shared file has sha256 \(hash.hexString)")
        }
        return file
    }
}

extension FileServer {
    /// One entry of `GET /files`.
    struct Listing: Codable {
        var path: String
        var size: Int64
        var sha256: String
    }
}
