import PeerKit
import Foundation

/// A peer that introduced itself with `hello`: a node that shares files over HTTP and
/// can be asked "who has NAME?" (the neighbour query of the file-sharing seed).
struct Neighbour: Sendable, Hashable {
    var id: NodeID
    /// Where the neighbour serves HTTP: its UDP host with the port it announced.
    var httpAddress: NodeAddress
    /// Its DHT node's UDP address.
    var nodeAddress: NodeAddress
    /// When it last introduced itself or answered one of our introductions.
    var lastSeen: ContinuousClock.Instant
}
