import PeerKit

/// A file-sharing neighbour as `neighbours` lists it.
public struct NeighbourListing: Sendable {
    public var id: NodeID
    /// Where it serves HTTP: its UDP host with the port it announced.
    public var httpAddress: NodeAddress
    /// Its DHT node's UDP address.
    public var nodeAddress: NodeAddress
    /// How long ago it last introduced itself or answered an introduction.
    public var heardAgo: Duration
    /// The names it shares, or nil when it did not answer `GET /files`.
    public var names: [String]?
}
