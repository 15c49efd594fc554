import Foundation
import Synchronization

/// Every write the process makes to stdout and stderr: a command's result, an error, a log
/// line, a progress update, a completion listing.
///
/// Each block goes out whole, under one lock, straight to the file descriptor: a log line
/// can never land inside a result's lines, and nothing waits in a buffer while the next
/// command runs.
enum TerminalOutput {
    private static let lock = Mutex(())

    static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return  // the reader went away: nothing more can be said
                }
                offset += written
            }
        }
    }
}
