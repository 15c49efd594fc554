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
}
