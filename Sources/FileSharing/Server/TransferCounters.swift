import PeerKit
import Synchronization

/// Running totals of what a node's file sharing moved, for `stats`.
///
/// Updated from many connections and downloads at once, on whatever thread they run, so
/// every counter is an atomic: adding never waits and never suspends.
final class TransferCounters: Sendable {
    private let uploaded = Atomic<Int64>(0)
    private let downloaded = Atomic<Int64>(0)
    private let succeeded = Atomic<Int64>(0)
    private let failed = Atomic<Int64>(0)

    init() {}

    /// Bytes of file bodies this node's HTTP server sent.
    var bytesUploaded: Int64 { uploaded.load(ordering: .relaxed) }
    /// Bytes of file pieces this node received from providers.
    var bytesDownloaded: Int64 { downloaded.load(ordering: .relaxed) }
    /// Fetches that ended with a verified file.
    var fetchesSucceeded: Int64 { succeeded.load(ordering: .relaxed) }
    /// Fetches that ended with an error.
    var fetchesFailed: Int64 { failed.load(ordering: .relaxed) }

    /// Counts `bytes` more sent.
    func addUploaded(_ bytes: Int) {
        uploaded.add(Int64(bytes), ordering: .relaxed)
    }

    /// Counts `bytes` more received.
    func addDownloaded(_ bytes: Int) {
        downloaded.add(Int64(bytes), ordering: .relaxed)
    }

    /// Counts one fetch that ended, with a verified file or not.
    func addFetch(succeeded fetchSucceeded: Bool) {
        if fetchSucceeded {
            succeeded.add(1, ordering: .relaxed)
        } else {
            failed.add(1, ordering: .relaxed)
        }
    }
}
