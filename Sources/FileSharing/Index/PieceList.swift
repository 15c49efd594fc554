import PeerKit
import Foundation

/// A shared file's identity and piece hashes as a provider publishes them at
/// `GET /pieces/SHA256`, in JSON: what a downloader needs before it asks anyone for bytes.
///
/// The list comes from the network, so it is checked before it is used: ``validated(expecting:)``
/// refuses a list whose hash, size and piece count disagree. A list can still lie about the
/// piece hashes themselves; the downloader catches that with the whole-file SHA-256 at the end.
struct PieceList: Codable, Sendable, Hashable {
    /// The file's path in the provider's share directory; a suggestion for the local name.
    var path: String
    var size: Int64
    /// SHA-256 of the whole file, 64 lowercase hex digits.
    var sha256: String
    /// Bytes per piece; every piece but the last has exactly this many.
    var pieceSize: Int
    /// SHA-256 of each piece, 64 lowercase hex digits each.
    var pieces: [String]

    init(_ file: SharedFile) {
        path = file.path
        size = file.size
        sha256 = file.sha256.hexString
        pieceSize = SharedFile.pieceSize
        pieces = file.pieceHashes.map(\.hexString)
    }

    /// The decoded hashes, checked against each other and against the hash that was asked for.
    ///
    /// - Throws: ``SharingError/badPieceList(_:)`` saying what does not add up.
    func validated(expecting expected: [UInt8]) throws(SharingError) -> ValidatedPieceList {
        guard let whole = [UInt8](hex: sha256), whole.count == 32 else { throw .badPieceList("its sha256 is not 64 hex digits") }
        guard whole == expected else { throw .badPieceList("it describes another file (sha256 \(sha256.prefix(12))…)") }
        guard size >= 0 else { throw .badPieceList("its size is negative") }
        guard (1...(64 << 20)).contains(pieceSize) else { throw .badPieceList("its piece size \(pieceSize) is out of range") }
        let count = Int((size + Int64(pieceSize) - 1) / Int64(pieceSize))
        guard pieces.count == count else {
            throw .badPieceList("it has \(pieces.count) pieces where \(size) bytes need \(count)")
        }
        var hashes: [[UInt8]] = []
        hashes.reserveCapacity(count)
        for piece in pieces {
            guard let hash = [UInt8](hex: piece), hash.count == 32 else { throw .badPieceList("a piece hash is not 64 hex digits") }
            hashes.append(hash)
        }
        return ValidatedPieceList(path: path, size: size, sha256: whole, pieceSize: pieceSize, pieceHashes: hashes)
    }
}

/// A ``PieceList`` whose fields agree with each other, with its hashes decoded.
package struct ValidatedPieceList: Sendable, Hashable {
    var path: String
    var size: Int64
    var sha256: [UInt8]
    var pieceSize: Int
    var pieceHashes: [[UInt8]]

    /// The byte range of piece `index` in the file.
    func range(ofPiece index: Int) -> Range<Int64> {
        let start = Int64(index) * Int64(pieceSize)
        return start ..< min(size, start + Int64(pieceSize))
    }
}
