import PeerKit
import Foundation

/// Copies a file into a directory so that it appears there whole or not at all. Blocking:
/// run it on a thread pool.
enum FileCopy {
    /// Copies `source` to `directory/name` through a hidden temporary file that is fsynced,
    /// then linked to `name` (never replacing an existing file) and removed.
    ///
    /// - Throws: ``SharingError/targetExists(_:)``, ``SharingError/diskFull(directory:needed:)``,
    ///   ``SharingError/storage(_:)``.
    static func copy(from source: String, named name: String, into directory: String) throws(SharingError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure("cannot open \(source)") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, FileKind(info) == .regular else {
            throw .storage("cannot share \(source): it is not a regular file")
        }
        let target = directory + "/" + name
        if access(target, F_OK) == 0 { throw .targetExists(target) }
        let temporary = directory + "/.p2psh-copy-\(UInt64.random(in: 0 ... .max).hexString).part"
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw failure("cannot create a file in \(directory)") }
        var linked = false
        defer {
            close(output)
            if !linked { unlink(temporary) }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure("cannot read \(source)") }
            if count == 0 { break }
            var written = 0
            while written < count {
                let result = write(output, buffer.baseAddress! + written, count - written)
                if result < 0, errno == EINTR { continue }
                if result < 0, errno == ENOSPC || errno == EDQUOT {
                    throw .diskFull(directory: directory, needed: Int64(info.st_size))
                }
                guard result > 0 else { throw failure("cannot write in \(directory)") }
                written += result
            }
        }
        guard fsync(output) == 0 else { throw failure("cannot write in \(directory)") }
        guard link(temporary, target) == 0 else {
            if errno == EEXIST { throw .targetExists(target) }
            throw failure("cannot name the copy \(target)")
        }
        linked = true
        unlink(temporary)
    }

    private static func failure(_ what: String) -> SharingError {
        .storage("\(what): \(String(cString: strerror(errno)))")
    }
}

private extension UInt64 {
    var hexString: String { String(self, radix: 16) }
}
