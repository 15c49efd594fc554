import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a node database, held for the life of the node.
///
/// The kernel drops the lock when the process exits, so a crash never leaves a
/// stale lock behind; the file records the holder's pid for the error message.
final class DirectoryLock: Sendable {
    /// The open lock file, or -1 once released.
    private let descriptor: Atomic<Int32>

    /// Takes the lock at `path`, or throws ``NodeError/dataDirectoryInUse(_:)`` naming the holder.
    init(path: String, directory: String) throws(NodeError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .storage("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard lockExclusively(descriptor) else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            let who = holder.flatMap { $0.isEmpty ? nil : "process \($0)" } ?? "another process"
            throw .dataDirectoryInUse("\(directory) is in use by \(who); use another --data-dir or --port, or --ephemeral")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        self.descriptor = Atomic(descriptor)
    }

    /// Gives the lock up; later calls do nothing.
    func release() {
        let descriptor = descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }

    deinit { release() }
}
