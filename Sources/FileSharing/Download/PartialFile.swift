import PeerKit
import Crypto
import Foundation
import Synchronization

/// The temporary file a download writes its pieces into: `.p2psh-<sha256 hex>.part` in the
/// target directory, hidden so that a share scan never offers it, and named by the file's
/// hash so that a later download of the same file finds it and resumes.
///
/// The file is preallocated to its full size when opened, so a full disk is reported
/// before any byte is fetched rather than half way. It is locked (`flock`) while open, so
/// two downloads of the same file into the same directory cannot interleave, until
/// ``close()``: the download closes it before it returns, so that a second run started at
/// once finds it free (a closure that ran on the thread pool may still hold a reference for
/// a moment after its result was delivered, which would delay a close left to `deinit`).
///
/// All methods block: call them on a thread pool. Pieces are written with `pwrite` at their
/// own offsets, so several threads may write different pieces at once.
final class PartialFile: Sendable {
    /// The temporary file's path.
    let path: String
    /// The directory the file is fetched into.
    let directory: String
    /// The file's size when complete.
    let size: Int64
    /// Open for reading and writing until ``close()``; -1 after.
    private let openDescriptor: Atomic<CInt>
    private var descriptor: CInt { openDescriptor.load(ordering: .acquiring) }

    /// The temporary file's name for a file with this SHA-256.
    static func name(sha256: [UInt8]) -> String { ".p2psh-\(sha256.hexString).part" }

    /// Opens (or creates) the temporary file for the file with `sha256` in `directory`, sets
    /// its size to `size` and allocates its blocks. `existed` says whether it was already
    /// there, with data worth checking for a resume.
    ///
    /// - Throws: ``SharingError/diskFull(directory:needed:)`` when the blocks cannot be
    ///   allocated; ``SharingError/fetchFailed(_:)`` when another download holds the file;
    ///   ``SharingError/storage(_:)`` for other failures.
    static func open(directory: String, sha256: [UInt8], size: Int64) throws(SharingError) -> (file: PartialFile, existed: Bool) {
        let path = directory + "/" + name(sha256: sha256)
        var existed = true
        var descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        if descriptor < 0, errno == ENOENT {
            existed = false
            descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
        }
        guard descriptor >= 0 else { throw failure("cannot create", path) }
        var keep = false
        defer { if !keep { Glibc.close(descriptor) } }

        guard lockExclusively(descriptor) else {
            if errno == EWOULDBLOCK {
                throw .fetchFailed("\(path) is in use: another fetch of the same file into \(directory) is running")
            }
            throw failure("cannot lock", path)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("cannot stat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .storage("\(path) is in the way and is not a regular file: remove it")
        }
        if existed && Int64(info.st_size) == 0 && size > 0 { existed = false }
        if Int64(info.st_size) != size {
            guard ftruncate(descriptor, off_t(size)) == 0 else { throw failure("cannot resize", path) }
        }
        if size > 0 {
            let result = posix_fallocate(descriptor, 0, off_t(size))
            if result == ENOSPC || result == EDQUOT || result == EFBIG {
                throw .diskFull(directory: directory, needed: size)
            }
            // EOPNOTSUPP/EINVAL: the file system cannot preallocate; pwrite will report ENOSPC.
            if result != 0 && result != EOPNOTSUPP && result != EINVAL {
                errno = result
                throw failure("cannot allocate", path)
            }
        }
        keep = true
        return (PartialFile(path: path, directory: directory, size: size, descriptor: descriptor), existed)
    }

    private init(path: String, directory: String, size: Int64, descriptor: CInt) {
        self.path = path
        self.directory = directory
        self.size = size
        openDescriptor = Atomic(descriptor)
    }

    deinit { close() }

    /// Closes the file, which releases its lock. Call it once nothing reads or writes it any
    /// more; calling it again does nothing.
    func close() {
        let descriptor = openDescriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Writes `bytes` at `offset`, all of them.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(SharingError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + Int64(done)))
            if count < 0 {
                if errno == EINTR { continue }
                if errno == ENOSPC || errno == EDQUOT { throw .diskFull(directory: directory, needed: size) }
                throw Self.failure("cannot write", path)
            }
            done += count
        }
    }

    /// Reads `buffer.count` bytes at `offset` into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SharingError) {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + Int64(done)))
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot read", path)
            }
            guard count > 0 else { throw .storage("cannot read \(path): it is shorter than \(size) bytes") }
            done += count
        }
    }

    /// Reads pieces `pieces` of the file and feeds them, in order, to `hash`.
    func hash(pieces: Range<Int>, of list: ValidatedPieceList, into hash: inout SHA256) throws(SharingError) {
        guard !pieces.isEmpty else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: list.pieceSize, alignment: 16)
        defer { buffer.deallocate() }
        for piece in pieces {
            let range = list.range(ofPiece: piece)
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(range.count)])
            try read(into: slice, at: range.lowerBound)
            hash.update(bufferPointer: UnsafeRawBufferPointer(slice))
        }
    }

    /// Which of `pieces` already hold their verified bytes, for a resume. Also feeds the
    /// whole-file hash `whole` with the pieces from `wholeFrom` onwards for as long as they
    /// are all verified, so that a resumed file is not read twice; returns where it stopped.
    func verifiedPieces(_ pieces: Range<Int>, of list: ValidatedPieceList, whole: inout SHA256,
                        wholeFrom: Int) throws(SharingError) -> (verified: [Int], wholeThrough: Int) {
        guard !pieces.isEmpty else { return ([], wholeFrom) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: list.pieceSize, alignment: 16)
        defer { buffer.deallocate() }
        var verified: [Int] = []
        var wholeThrough = wholeFrom
        for piece in pieces {
            let range = list.range(ofPiece: piece)
            let slice = UnsafeRawBufferPointer(rebasing: buffer[0..<Int(range.count)])
            try read(into: UnsafeMutableRawBufferPointer(mutating: slice), at: range.lowerBound)
            guard Array(SHA256.hash(data: slice)) == list.pieceHashes[piece] else { continue }
            verified.append(piece)
            if piece == wholeThrough {
                whole.update(bufferPointer: slice)
                wholeThrough += 1
            }
        }
        return (verified, wholeThrough)
    }

    /// Starts writing `range` of the file to disk without waiting, so that the final
    /// ``sync()`` has little left to wait for. (`POSIX_FADV_DONTNEED` starts writeback of
    /// dirty pages and drops the clean ones: the range is no longer needed in memory.)
    func startWriteback(_ range: Range<Int64>) {
        guard !range.isEmpty else { return }
        _ = posix_fadvise(descriptor, off_t(range.lowerBound), off_t(range.count), POSIX_FADV_DONTNEED)
    }

    /// Flushes the file's data to disk.
    func sync() throws(SharingError) {
        guard fsync(descriptor) == 0 else { throw Self.failure("cannot sync", path) }
    }

    /// Gives the complete file its final name, without ever replacing a file of that name,
    /// removes the temporary name, and syncs the directory so that the result survives a crash.
    ///
    /// - Throws: ``SharingError/targetExists(_:)`` when `finalPath` exists (the temporary file
    ///   is kept, so a later fetch under a free name resumes with every piece).
    func publish(as finalPath: String) throws(SharingError) {
        if link(path, finalPath) != 0 {
            if errno == EEXIST { throw .targetExists(finalPath) }
            // rename(2) could replace a file created meanwhile, and renameat2's RENAME_NOREPLACE
            // is not in Swift's Glibc: a file system without hard links is not supported.
            throw Self.failure("cannot create", finalPath)
        }
        guard unlink(path) == 0 else { throw Self.failure("cannot remove", path) }
        let directoryDescriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw Self.failure("cannot open", directory) }
        defer { Glibc.close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw Self.failure("cannot sync", directory) }
    }

    /// Removes the temporary file (its data is wrong).
    func discard() {
        unlink(path)
    }

    private static func failure(_ action: String, _ path: String) -> SharingError {
        .storage("\(action) \(path): \(String(cString: strerror(errno)))")
    }
}
