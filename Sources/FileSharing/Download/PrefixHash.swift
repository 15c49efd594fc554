import PeerKit
import Crypto

/// The whole-file SHA-256 of a download, fed with the file's pieces in order for as far as
/// the verified prefix of the temporary file reaches.
///
/// Hashing while the download runs, over pieces read back from the page cache, spares a
/// second pass over the file at the end. A resume feeds it the verified pieces it finds at
/// the front of the file (``PartialFile/verifiedPieces(_:of:whole:wholeFrom:)``), so those
/// are not read twice; ``digest(following:of:list:)`` then follows the prefix as it grows.
struct PrefixHash: Sendable {
    /// Pieces read per trip to the thread pool.
    static let batchSize = 16

    /// The hash of pieces `0 ..< hashedPieces`.
    var state = SHA256()
    /// How many pieces, from the front, are in ``state``.
    var hashedPieces = 0

    /// Hashes the pieces of `file` in order, as far as the verified prefix reaches each time
    /// `updates` says it grew (the number of verified pieces at the front), and returns the
    /// digest once every piece is hashed; ``SharingError/cancelled`` when `updates` ends first.
    func digest(following updates: AsyncStream<Int>, of file: PartialFile,
                list: ValidatedPieceList) async -> Result<[UInt8], SharingError> {
        var hash = self
        let count = list.pieceHashes.count
        if hash.hashedPieces < count {
            for await end in updates {
                while hash.hashedPieces < end {
                    let batch = hash.hashedPieces ..< min(end, hash.hashedPieces + Self.batchSize)
                    do {
                        try await hash.add(batch, of: file, list: list, followedFrom: hashedPieces)
                    } catch {
                        return .failure(error)
                    }
                }
                if hash.hashedPieces >= count { break }
            }
        }
        guard hash.hashedPieces >= count else { return .failure(.cancelled) }
        return .success(Array(hash.state.finalize()))
    }

    /// Reads the pieces `batch` (the next ones) on the thread pool and feeds them to the hash.
    /// Pieces below `start` were hashed before following began and are left alone.
    private mutating func add(_ batch: Range<Int>, of file: PartialFile, list: ValidatedPieceList,
                              followedFrom start: Int) async throws(SharingError) {
        state = try await Download.blocking { [state] () throws(SharingError) -> SHA256 in
            var state = state
            try file.hash(pieces: batch, of: list, into: &state)
            // Start writing this batch to disk, and drop the previous one (written by
            // now) from the page cache: the final fsync has little left to do, and
            // the kernel reuses the freed pages for the next pieces.
            file.startWriteback(list.range(ofPiece: max(start, batch.lowerBound - Self.batchSize)).lowerBound
                                    ..< list.range(ofPiece: batch.upperBound - 1).upperBound)
            return state
        }
        hashedPieces = batch.upperBound
    }
}
