import PeerKit
import Foundation

/// A shared file as `files` lists it.
public struct SharedFileStatus: Codable, Sendable {
    public var path: String
    public var size: Int64
    public var sha256: String
    /// GETs that sent the file's first byte: whole downloads, and the first piece of each fetch.
    public var timesServed: Int
}
