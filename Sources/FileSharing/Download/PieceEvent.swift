import PeerKit
import NIOCore

/// What happened to one piece request of a ``DownloadSession``, or to the write of a piece:
/// the child tasks of the session's task group report with these, and the session feeds
/// them to its ``PieceScheduler``.
enum PieceEvent: Sendable {
    /// The piece arrived and its hash matched; it is not written yet.
    case received(PieceScheduler.Request, ByteBuffer)
    /// The piece arrived and its hash did not match.
    case corrupt(PieceScheduler.Request, ByteBuffer)
    case failed(PieceScheduler.Request, ProviderFailure)
    /// The piece is written to the temporary file.
    case written(PieceScheduler.Request, ByteBuffer)
    /// A local failure (disk) that ends the download.
    case fatal(SharingError)
}
