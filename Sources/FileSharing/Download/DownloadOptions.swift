import PeerKit
/// Tuning of a ``Download``. The defaults suit loopback and LAN transfers of 1 MiB pieces.
package struct DownloadOptions: Sendable, Hashable {
    /// Piece requests kept in flight at each provider, so that a round trip per piece does
    /// not limit throughput. Memory in use is about (providers × this) pieces.
    var requestsPerProvider: Int
    /// Corrupt pieces after which a provider is dropped (after the first it is demoted to
    /// one request at a time).
    var corruptPieceLimit: Int
    /// Failed requests in a row (connection refused or reset, timeout, 5xx) after which a
    /// provider is dropped.
    var failureLimit: Int
    /// The longest a provider may take to accept a connection and answer with a response
    /// head. A provider that refuses connections fails after this time when the HTTP client
    /// retries connecting (AsyncHTTPClient's default), and at once when it does not
    /// (`connectionPool.retryConnectionEstablishment = false`, better for peers that come and go).
    var responseTimeout: Duration
    /// The longest a single request (a piece, or the piece list) may take, head and body.
    /// A backstop against a provider that stops sending; give the HTTP client a read timeout
    /// too, which notices a silent connection sooner.
    var requestTimeout: Duration
    /// The longest piece list accepted, in bytes of JSON (a 1 TiB file has about 70 MB).
    var pieceListByteLimit: Int

    init(requestsPerProvider: Int = 4, corruptPieceLimit: Int = 2, failureLimit: Int = 2,
                responseTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(120), pieceListByteLimit: Int = 128 << 20) {
        self.requestsPerProvider = max(1, requestsPerProvider)
        self.corruptPieceLimit = max(1, corruptPieceLimit)
        self.failureLimit = max(1, failureLimit)
        self.responseTimeout = responseTimeout
        self.requestTimeout = requestTimeout
        self.pieceListByteLimit = pieceListByteLimit
    }
}
