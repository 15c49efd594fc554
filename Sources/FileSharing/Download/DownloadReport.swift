import PeerKit
/// What a finished ``Download`` did: where the file is, how much came from whom, how long
/// it took, and why the providers that failed failed.
package struct DownloadReport: Sendable, Hashable {
    /// One provider's part in a download.
    struct Provider: Sendable, Hashable {
        /// The provider's base URL, as given.
        var url: String
        /// Pieces it delivered that counted.
        var pieces: Int
        /// Pieces it sent whose hash was wrong.
        var corruptPieces: Int
        /// Why it was dropped, phrased to follow its address ("connection refused"); nil when
        /// it served to the end.
        var failure: String?

        init(url: String, pieces: Int, corruptPieces: Int, failure: String?) {
            self.url = url
            self.pieces = pieces
            self.corruptPieces = corruptPieces
            self.failure = failure
        }
    }

    /// The complete file's path.
    var path: String
    /// The file's size.
    var size: Int64
    /// SHA-256 of the file (checked).
    var sha256: [UInt8]
    var pieceCount: Int
    /// Pieces that were already in the temporary file of an earlier, interrupted download.
    var resumedPieces: Int
    /// Bytes received from providers, including pieces that failed their hash and second
    /// copies of endgame pieces.
    var bytesFetched: Int64
    /// Wall-clock seconds the download took, from start to the file having its name.
    var seconds: Double
    /// Every provider given, in the order given.
    var providers: [Provider]

    init(path: String, size: Int64, sha256: [UInt8], pieceCount: Int, resumedPieces: Int,
                bytesFetched: Int64, seconds: Double, providers: [Provider]) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.pieceCount = pieceCount
        self.resumedPieces = resumedPieces
        self.bytesFetched = bytesFetched
        self.seconds = seconds
        self.providers = providers
    }
}
