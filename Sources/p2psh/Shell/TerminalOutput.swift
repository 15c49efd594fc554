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
        let handle = switch descriptor {
        case 1: FileHandle.standardOutput
        case 2: FileHandle.standardError
        default: FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        }
        lock.withLock { _ in
            // A failed write means the reader went away: nothing more can be said to it.
            try? handle.write(contentsOf: Data(text.utf8))
        }
    }
}
