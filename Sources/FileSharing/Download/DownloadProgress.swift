import PeerKit
/// How far a ``Download`` is, reported after each verified piece (and once at the start).
/// A caller that shows a rate computes it from ``bytesFetched`` over time: that excludes
/// the pieces found already present by a resume.
public struct DownloadProgress: Sendable, Hashable {
    /// Bytes verified and written, including those found present by a resume.
    public var bytesVerified: Int64
    /// The file's size.
    public var totalBytes: Int64
    /// Bytes of verified pieces found in the temporary file when the download started.
    var resumedBytes: Int64
    /// Bytes received from providers in this run, including pieces that failed their hash
    /// and second copies of endgame pieces.
    public var bytesFetched: Int64
    var piecesVerified: Int
    var pieceCount: Int
    /// Providers not dropped.
    public var activeProviders: Int
    /// Time since the download started.
    var elapsed: Duration

    init(bytesVerified: Int64, totalBytes: Int64, resumedBytes: Int64, bytesFetched: Int64,
                piecesVerified: Int, pieceCount: Int, activeProviders: Int, elapsed: Duration) {
        self.bytesVerified = bytesVerified
        self.totalBytes = totalBytes
        self.resumedBytes = resumedBytes
        self.bytesFetched = bytesFetched
        self.piecesVerified = piecesVerified
        self.pieceCount = pieceCount
        self.activeProviders = activeProviders
        self.elapsed = elapsed
    }
}
