import PeerKit
/// A node's answer to "who has this file?": where to fetch it and what it is.
///
/// Offers travel in the JSON answer of `GET /who-has`, possibly relayed by neighbours,
/// so a downloader learns both the provider's HTTP address and the content hash it must
/// verify the file against before it asks for a single byte.
struct ProviderOffer: Codable, Sendable, Hashable {
    /// The provider's HTTP base URL, such as "http://127.0.0.1:7001" (no trailing slash).
    var url: String
    /// The file's path in the provider's share directory, "/"-separated, not percent-encoded.
    var path: String
    /// The file's length in bytes.
    var size: Int64
    /// SHA-256 of the whole file, 64 lowercase hex digits: the file's identity.
    var sha256: String

    init(url: String, path: String, size: Int64, sha256: String) {
        self.url = url
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}
