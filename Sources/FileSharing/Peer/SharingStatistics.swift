import PeerKit
/// What a node's file-sharing peer has and has done, for `stats`.
public struct SharingStatistics: Codable, Sendable {
    /// The HTTP server's address, e.g. "0.0.0.0:6881".
    public var httpAddress: String
    public var shareDirectory: String?
    public var filesShared: Int
    public var bytesShared: Int64
    public var bytesUploaded: Int64
    public var bytesDownloaded: Int64
    public var fetchesSucceeded: Int64
    public var fetchesFailed: Int64
    public var neighbours: Int
    /// HTTP connections open now.
    public var httpConnections: Int
    /// HTTP connections refused (503) because a connection cap was reached and every connection was busy.
    public var httpConnectionsRefused: Int
    /// HTTP connections closed for not sending a request head in time (``HTTPLimits``).
    public var httpConnectionsTimedOut: Int
    /// Idle HTTP connections closed to make room for new ones at a connection cap.
    public var httpConnectionsDisplaced: Int
}
