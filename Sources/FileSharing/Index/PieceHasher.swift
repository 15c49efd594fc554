import PeerKit
import Crypto
import Foundation

/// Hashes a file in one streaming pass: the whole-file SHA-256 and the SHA-256 of every piece.
/// Blocking: run it on a thread pool.
///
/// The file is read one piece at a time into a single 1 MiB buffer, so memory stays flat
/// whatever the file's size. Each piece goes to both hashes while it is in the buffer.
enum PieceHasher {
    /// Hashes the regular file at `realPath`, to be listed as `path`.
    ///
    /// The size and mtime recorded are the ones read from the open file before reading it,
    /// and the size is the number of bytes actually hashed, so the hashes always describe
    /// the recorded size. A file written while it is hashed gets a newer mtime, and the
    /// next scan hashes it again.
    static func hash(path: String, realPath: String) throws(SharingError) -> (file: SharedFile, stamp: FileStamp) {
        // O_NOFOLLOW: the real path has no links, so a link here was put there since the walk.
        // O_NONBLOCK: opening a FIFO put there since the walk must not block.
        let descriptor = open(realPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, "cannot stat") }
        guard FileKind(info) == .regular else {
            throw .sharePathRejected(path: ShareRoot.display(path), reason: "it is not a regular file")
        }
        let before = FileStamp(info)

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SharedFile.pieceSize, alignment: 16)
        defer { buffer.deallocate() }
        var whole = SHA256()
        var pieceHashes: [[UInt8]] = []
        var total: Int64 = 0
        while true {
            var filled = 0
            while filled < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw failure(path, "cannot read")
                }
                if count == 0 { break }
                filled += count
            }
            guard filled > 0 else { break }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            whole.update(bufferPointer: piece)
            pieceHashes.append(Array(SHA256.hash(data: piece)))
            total += Int64(filled)
            if filled < buffer.count { break }
        }
        let file = SharedFile(path: path, size: total, modified: before.modified,
                              sha256: Array(whole.finalize()), pieceHashes: pieceHashes)
        return (file, FileStamp(size: total, modifiedNanoseconds: before.modifiedNanoseconds))
    }

    private static func failure(_ path: String, _ action: String) -> SharingError {
        .storage("\(action) shared file \(ShareRoot.display(path)): \(String(cString: strerror(errno)))")
    }
}
