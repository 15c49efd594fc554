import PeerKit
import Foundation

/// What a ``FileServer`` asks the rest of the node for: the answers it cannot give from the
/// share index alone.
///
/// The server only parses requests, checks the admin secret and turns results into HTTP;
/// the node decides how to answer, so the HTTP layer can be tested with stand-in closures.
struct FileServerHandlers: Sendable {
    /// Answers `GET /who-has`: the offers this node knows for a file name, and the nodes the
    /// query has reached. `history` lists the nodes it reached before (the asker first), so the
    /// answer can avoid asking them again.
    var whoHas: @Sendable (_ name: String, _ history: [NodeID]) async -> WhoHasAnswer
    /// Answers `GET /admin/stats`: a JSON object, already encoded.
    var stats: @Sendable () async -> Data
    /// Answers `POST /admin/fetch?file=…`, with a file name or a 64-hex SHA-256: a JSON object
    /// describing the result, already encoded. Errors become HTTP statuses: `fileNotFound`
    /// 404, `targetExists` and `noShareDirectory` 409, `diskFull` 507, `fetchFailed` 502,
    /// `cancelled` 503, anything else 500; the body is the error's description.
    var fetch: @Sendable (_ file: String) async throws(SharingError) -> Data
    /// Answers `GET /metrics`: Prometheus text.
    var metrics: @Sendable () async -> String

    init(whoHas: @escaping @Sendable (_ name: String, _ history: [NodeID]) async -> WhoHasAnswer,
                stats: @escaping @Sendable () async -> Data,
                fetch: @escaping @Sendable (_ file: String) async throws(SharingError) -> Data,
                metrics: @escaping @Sendable () async -> String = { "" }) {
        self.whoHas = whoHas
        self.stats = stats
        self.fetch = fetch
        self.metrics = metrics
    }
}
