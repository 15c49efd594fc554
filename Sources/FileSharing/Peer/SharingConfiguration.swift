import PeerKit
import Foundation

/// The settings of a node's file-sharing peer, each with the default it runs with.
public struct SharingConfiguration: Sendable {
    /// The directory shared over HTTP, where fetched files land by default; nil shares nothing.
    public var shareDirectory: String?
    /// Address to bind the HTTP server to.
    public var httpHost = "0.0.0.0"
    /// TCP port of the HTTP server; 0 picks any free port.
    public var httpPort = 6881
    /// The secret that admin requests (`/admin/…`) must carry as `Authorization: Bearer`.
    public var secret: AdminSecret
    /// The most nodes one neighbour query may reach, this one included (the seed's MAX_HISTORY_LENGTH).
    public var maxHistory = 6
    /// Deadlines and caps of the HTTP server's connections.
    public var httpLimits = HTTPLimits()
    /// Announce shared files in the DHT. Without it they are found only by neighbour queries.
    public var announces = true
    /// Between announcements of a file: under the 45 minutes an `announce_peer` record
    /// lives on PeerKit nodes, so a file stays findable while it is shared.
    var announceInterval: Duration = .seconds(20 * 60)
    /// Between rescans of the share directory for files added or changed behind our back.
    var rescanInterval: Duration = .seconds(5 * 60)
    /// How long to wait for a neighbour's answer to "who has NAME?" (which may ask its own neighbours).
    var neighbourQueryTimeout: Duration = .seconds(10)
    /// What `GET /admin/stats` answers, as JSON: an application gives the object its own
    /// status command prints (p2psh gives `stats --json`'s), so the two never disagree. By
    /// default, the file-sharing counters alone.
    public var adminStatistics: (@Sendable (FileSharingPeer) async -> Data)?

    public init(secret: AdminSecret) {
        self.secret = secret
    }
}
