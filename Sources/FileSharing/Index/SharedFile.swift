import PeerKit
import Foundation

/// One file a node offers in its share directory, with the hashes a downloader checks it against.
///
/// A downloader fetches pieces from several peers at once. It checks each piece on
/// arrival against ``pieceHashes``, so one bad peer costs one piece, not the file.
/// It checks the assembled file against ``sha256``, which is also the file's identity:
/// two peers that offer the same bytes under different names offer the same file.
public struct SharedFile: Sendable, Hashable {
    /// Where the file is, relative to the share root: "/"-separated, no leading slash,
    /// no empty, `.`, `..` or hidden components. This is the path peers ask for.
    public var path: String
    /// The file's length in bytes.
    public var size: Int64
    /// The file's modification time (mtime) when it was hashed.
    var modified: Date
    /// SHA-256 of the whole file (32 bytes).
    public var sha256: [UInt8]
    /// SHA-256 of each piece of ``SharedFile/pieceSize`` bytes, in order; the last piece may
    /// be shorter. An empty file has no pieces.
    var pieceHashes: [[UInt8]]

    init(path: String, size: Int64, modified: Date, sha256: [UInt8], pieceHashes: [[UInt8]]) {
        self.path = path
        self.size = size
        self.modified = modified
        self.sha256 = sha256
        self.pieceHashes = pieceHashes
    }

    /// The length of a piece: 1 MiB.
    ///
    /// Big enough that the cost of asking for a piece (a request, a response header, a
    /// round trip) is small against loopback or LAN throughput, and that the hash list
    /// stays short: a 1 GiB file has 1,024 pieces, 32 KiB of hashes. Small enough that a
    /// bad piece costs little to fetch again, and that even a file of a few MiB can be
    /// fetched from several peers at once.
    static let pieceSize = 1_048_576

    /// How many pieces a file of `size` bytes has: its size divided by the piece size, rounded up.
    static func pieceCount(size: Int64) -> Int {
        Int((size + Int64(pieceSize) - 1) / Int64(pieceSize))
    }
}
