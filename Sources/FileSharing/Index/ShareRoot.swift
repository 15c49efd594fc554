import PeerKit
import Foundation

/// The share directory, and the one place where a path a peer asks for becomes a file on disk.
///
/// A request path comes from the network, so it is checked before it touches the file
/// system and again after: first by its text (no absolute paths, no `..`, `.` or hidden
/// components, no NUL bytes or backslashes, no empty components, bounded lengths), then by
/// where it really leads (`realpath`), which must be a regular file inside the root and
/// outside hidden directories. Symbolic links that stay inside the root are allowed; links
/// that leave it are refused.
///
/// All checks work on the UTF-8 bytes of paths, never on `Character`s, because Swift
/// compares strings by canonical equivalence and the file system compares bytes.
struct ShareRoot: Sendable, Hashable {
    /// The canonical absolute path of the root (`realpath`), without a trailing slash
    /// (except for "/" itself).
    let path: String

    /// The longest request path accepted, in bytes after percent-decoding (Linux `PATH_MAX`).
    static let maxPathBytes = 4096
    /// The longest path component accepted, in bytes (Linux `NAME_MAX`).
    static let maxComponentBytes = 255

    /// Canonicalises `directory` (relative to the working directory, or absolute) and checks
    /// that it is a directory.
    init(_ directory: String) throws(SharingError) {
        guard let real = Self.realPath(directory) else {
            throw .shareDirectory(path: directory, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard stat(real, &info) == 0 else {
            throw .shareDirectory(path: directory, reason: String(cString: strerror(errno)))
        }
        guard FileKind(info) == .directory else {
            throw .shareDirectory(path: directory, reason: "it is not a directory")
        }
        path = real
    }

    /// The file a request path names, as a URL of its real path (symbolic links resolved).
    ///
    /// `requestPath` is taken as it appears in a URL: it is percent-decoded here, exactly once,
    /// so `%2e%2e%2f` is `../` and is refused, and a file whose name contains `%` is asked for
    /// as `%25`.
    ///
    /// - Throws: ``SharingError/sharePathRejected(path:reason:)`` when the path is not allowed,
    ///   ``SharingError/sharedFileNotFound(_:)`` when it is allowed but names nothing.
    func resolve(_ requestPath: String) throws(SharingError) -> URL {
        // Bound the work before decoding: an escape is 3 bytes for 1.
        guard requestPath.utf8.count <= 3 * Self.maxPathBytes else {
            throw .sharePathRejected(path: Self.display(requestPath), reason: "it is longer than \(Self.maxPathBytes) bytes")
        }
        guard let decoded = requestPath.removingPercentEncoding else {
            throw .sharePathRejected(path: Self.display(requestPath),
                                     reason: "it has a '%' that does not start an escape of UTF-8 text (write '%' as %25)")
        }
        return URL(fileURLWithPath: try resolve(relativePath: decoded))
    }

    /// The real path of the regular file at `relativePath` (already decoded), checked as
    /// ``resolve(_:)`` checks it.
    func resolve(relativePath: String) throws(SharingError) -> String {
        if let reason = Self.rejection(of: relativePath) {
            throw .sharePathRejected(path: Self.display(relativePath), reason: reason)
        }
        guard let real = Self.realPath(self.path == "/" ? "/" + relativePath : self.path + "/" + relativePath) else {
            if errno == ENOENT || errno == ENOTDIR { throw .sharedFileNotFound(Self.display(relativePath)) }
            throw .sharePathRejected(path: Self.display(relativePath), reason: String(cString: strerror(errno)))
        }
        guard let inside = relativeComponents(ofRealPath: real) else {
            throw .sharePathRejected(path: Self.display(relativePath), reason: "it leads outside the share directory")
        }
        if inside.contains(where: { $0.first == UInt8(ascii: ".") }) {
            throw .sharePathRejected(path: Self.display(relativePath), reason: "it leads to a hidden file or directory")
        }
        var info = stat()
        guard stat(real, &info) == 0 else {
            throw .sharedFileNotFound(Self.display(relativePath))
        }
        guard FileKind(info) == .regular else {
            throw .sharePathRejected(path: Self.display(relativePath), reason: "it is not a regular file")
        }
        return real
    }

    /// Why a decoded relative path is not allowed by its text alone, or nil when it is.
    static func rejection(of relativePath: String) -> String? {
        let bytes = Array(relativePath.utf8)
        if bytes.isEmpty { return "it is empty" }
        if bytes.contains(0) { return "it contains a NUL byte" }
        if bytes.first == UInt8(ascii: "/") { return "it is absolute" }
        if bytes.contains(UInt8(ascii: "\\")) { return "it contains a backslash" }
        if bytes.count > maxPathBytes { return "it is longer than \(maxPathBytes) bytes" }
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty { return "it has an empty component ('//' or a trailing '/')" }
            if component.elementsEqual("..".utf8) { return "it has a '..' component" }
            if component.elementsEqual(".".utf8) { return "it has a '.' component" }
            if component.first == UInt8(ascii: ".") { return "it names a hidden file or directory" }
            if component.count > maxComponentBytes { return "a component is longer than \(maxComponentBytes) bytes" }
        }
        return nil
    }

    /// The components of a canonical path below the root, or nil when the path is not below it.
    func relativeComponents(ofRealPath real: String) -> [ArraySlice<UInt8>]? {
        let realBytes = Array(real.utf8)
        let prefix = path == "/" ? [UInt8(ascii: "/")] : Array(path.utf8) + [UInt8(ascii: "/")]
        guard realBytes.count > prefix.count, realBytes.starts(with: prefix) else { return nil }
        return realBytes[prefix.count...].split(separator: UInt8(ascii: "/"))
    }

    /// `realpath(3)`, or nil with `errno` set.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A path as it may be shown in an error: quoted, control characters escaped, and cut
    /// to 120 characters, since it came from the network.
    static func display(_ path: String) -> String {
        let shown = path.unicodeScalars.count > 120 ? String(String.UnicodeScalarView(path.unicodeScalars.prefix(120))) + "…" : path
        return shown.debugDescription
    }
}
