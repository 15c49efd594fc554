import Foundation

/// The process's limit on open files, raised to what the system allows: each HTTP connection
/// and download holds a descriptor, and the HTTP server admits up to 1,024 connections, more
/// than a common default soft limit of 1,024 descriptors leaves room for.
enum OpenFileLimit {
    static func raise() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
