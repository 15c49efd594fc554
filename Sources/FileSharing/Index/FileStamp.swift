import PeerKit
import Foundation

/// What a rescan compares to decide whether a file changed: its size and its mtime to the nanosecond.
///
/// The mtime is kept as integer nanoseconds, not as a `Date`, so a stamp read back from
/// the database compares exactly equal to one read from the disk.
struct FileStamp: Sendable, Hashable {
    var size: Int64
    /// Modification time, nanoseconds since 1970.
    var modifiedNanoseconds: Int64

    var modified: Date {
        // Whole seconds and the fraction apart, so a whole or binary-exact mtime stays exact.
        let (seconds, nanoseconds) = modifiedNanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1_000_000_000)
    }

    init(size: Int64, modifiedNanoseconds: Int64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    /// The size and mtime in a `stat` result.
    init(_ info: stat) {
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        self.init(size: Int64(info.st_size),
                  modifiedNanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }
}

/// The kind of file a `stat` result describes.
enum FileKind {
    case regular, directory, symbolicLink, other

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }
}
