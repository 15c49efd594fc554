import PeerKit
/// What a scan of the share directory did, and what the index holds after it.
struct ShareScanReport: Sendable, Hashable {
    /// Files hashed because they are new or their size or mtime changed.
    var hashed = 0
    /// Files whose size and mtime were unchanged, so their stored hashes were kept.
    var unchanged = 0
    /// Files dropped from the index: deleted, no longer shareable, or no longer readable.
    var removed = 0
    /// Files found but not readable (permissions, or replaced while being hashed); they are
    /// not in the index.
    var unreadable = 0
    /// How many files the index holds after the scan.
    var totalFiles = 0
    /// Their total size in bytes.
    var totalBytes: Int64 = 0

    init() {}
}
