import PeerKit
import Foundation
import NIOPosix

/// Adding a file to the share directory from elsewhere on this machine (the shell's `share`).
extension FileSharingPeer {
    /// Copies the file at `path` into the share directory under `name` (default: its file
    /// name), indexes and announces it. A file already inside the share directory is only
    /// indexed; the same content already shared under that name is left as it is
    /// (`alreadyShared`), and a different file under that name is never replaced.
    ///
    /// The copy is written to a hidden temporary file, fsynced, then linked to its name
    /// without replacing anything, so the share directory never holds a half-copied file
    /// under a name peers can ask for.
    ///
    /// - Throws: ``SharingError/noShareDirectory``, ``SharingError/targetExists(_:)``,
    ///   ``SharingError/sharePathRejected(path:reason:)`` for a name that could not be shared,
    ///   ``SharingError/diskFull(directory:needed:)``, ``SharingError/storage(_:)``.
    public func share(_ path: String, as name: String? = nil) async throws(SharingError) -> (file: SharedFile, alreadyShared: Bool) {
        guard let index else { throw .noShareDirectory }
        let root = index.root
        guard let source = ShareRoot.realPath(path) else {
            throw .storage("cannot share \(path): \(String(cString: strerror(errno)))")
        }
        if name == nil, let inside = root.relativeComponents(ofRealPath: source) {
            let relative = inside.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
            _ = try await index.scan()
            guard let file = await index.file(atPath: relative) else {
                throw .sharePathRejected(path: ShareRoot.display(relative), reason: "the share directory does not share it")
            }
            announceSoon()
            return (file, false)
        }
        let finalName = name ?? URL(fileURLWithPath: source).lastPathComponent
        if finalName.contains("/") {
            throw .sharePathRejected(path: ShareRoot.display(finalName), reason: "give a file name, without '/'")
        }
        if let reason = ShareRoot.rejection(of: finalName) {
            throw .sharePathRejected(path: ShareRoot.display(finalName), reason: reason)
        }
        if let existing = await index.file(atPath: finalName) {
            let hashed = try? await NIOThreadPool.singleton.runIfActive {
                try PieceHasher.hash(path: finalName, realPath: source).file.sha256
            }
            guard hashed == existing.sha256 else { throw .targetExists(root.path + "/" + finalName) }
            return (existing, true)
        }
        try await SharingError.reporting("cannot copy \(path) into the share directory") {
            try await NIOThreadPool.singleton.runIfActive {
                try FileCopy.copy(from: source, named: finalName, into: root.path)
            }
        }
        _ = try await index.scan()
        guard let file = await index.file(atPath: finalName) else {
            throw .storage("\(finalName) was copied but could not be indexed")
        }
        announceSoon()
        return (file, false)
    }
}
