import PeerKit
import Foundation
import NIOCore

extension FileServer {
    /// A shared file opened for reading; closed when the last reference goes, so a response
    /// that is dropped before its body is sent does not leak the descriptor.
    ///
    /// Sendable: the descriptor never changes, and `pread` at explicit offsets may be used by
    /// several threads at once.
    final class OpenFile: Sendable {
        let descriptor: CInt
        /// Size and mtime when it was opened.
        let stamp: FileStamp

        /// Opens `realPath` (a path with no symbolic links, from ``ShareRoot``) for reading.
        /// Blocking.
        ///
        /// The last component is opened with `O_NOFOLLOW` and `O_NONBLOCK`, and the open file
        /// must be a regular file, so a symbolic link or FIFO put in the file's place after
        /// it was checked is refused and cannot stall a thread.
        init(realPath: String, display: String) throws(SharingError) {
            let descriptor = open(realPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard descriptor >= 0 else {
                if errno == ENOENT { throw .sharedFileNotFound(display) }
                throw .sharePathRejected(path: display, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            guard fstat(descriptor, &info) == 0, FileKind(info) == .regular else {
                closeDescriptor(descriptor)
                throw .sharePathRejected(path: display, reason: "it is not a regular file")
            }
            self.descriptor = descriptor
            self.stamp = FileStamp(info)
        }

        deinit { closeDescriptor(descriptor) }

        /// `count` bytes at `offset`. Blocking.
        func read(offset: Int64, count: Int) throws -> ByteBuffer {
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            var done = 0
            while done < count {
                let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { memory -> Int in
                    while true {
                        let result = pread(descriptor, memory.baseAddress, count - done, off_t(offset) + off_t(done))
                        if result >= 0 { return result }
                        if errno != EINTR { throw ReadError(reason: String(cString: strerror(errno))) }
                    }
                }
                guard got > 0 else { throw ReadError(reason: "the file got shorter while it was sent") }
                done += got
            }
            return buffer
        }
    }

    /// A shared file could not be read while its body was sent; the connection is closed.
    struct ReadError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "cannot read a shared file: \(reason)" }
    }
}

/// `close(2)`, out of reach of ``FileServer/close()``.
private func closeDescriptor(_ descriptor: CInt) {
    close(descriptor)
}
