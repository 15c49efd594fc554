import PeerKit
import Foundation

/// Lists the files a share directory offers. Blocking: run it on a thread pool.
///
/// What is listed is exactly what ``ShareRoot`` would serve, so every indexed file can be
/// fetched by its path:
/// - regular files whose path ``ShareRoot`` accepts by its text;
/// - symbolic links to regular files that stay inside the root and outside hidden
///   directories, listed under the link's own path with the target's size and mtime (the
///   target may therefore be listed twice, under both names, with the same hash);
/// - the contents of real subdirectories.
///
/// Skipped: hidden names (starting with "."), names that are not UTF-8 or that the path
/// rules refuse, symbolic links that leave the root or lead to anything but a regular file
/// (links to directories are not followed, so there are no cycles and no file is reached
/// through two directory names), and everything that is not a regular file: devices,
/// FIFOs, sockets.
enum ShareWalker {
    /// A file found by a walk.
    struct Entry: Sendable {
        /// The path relative to the root, as peers ask for it.
        var path: String
        /// The path to open: the real path, with no symbolic links in it.
        var realPath: String
        var stamp: FileStamp
    }

    /// Every shareable file under `root`, sorted by path. Unreadable subdirectories are skipped.
    ///
    /// - Throws: ``SharingError/shareDirectory(path:reason:)`` when the root itself cannot be
    ///   listed, so a missing or unmounted share directory does not read as an empty one.
    static func walk(_ root: ShareRoot) throws(SharingError) -> [Entry] {
        var entries: [Entry] = []
        var directories = [""]  // relative paths still to list
        while let directory = directories.popLast() {
            let absolute = directory.isEmpty ? root.path : join(root.path, directory)
            guard let names = names(in: absolute) else {
                if directory.isEmpty {
                    throw .shareDirectory(path: root.path, reason: String(cString: strerror(errno)))
                }
                continue
            }
            for name in names {
                let relative = directory.isEmpty ? name : directory + "/" + name
                guard ShareRoot.rejection(of: relative) == nil else { continue }  // hidden, too long, backslash
                let full = join(root.path, relative)
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }  // gone since it was listed
                switch FileKind(info) {
                case .directory:
                    directories.append(relative)
                case .regular:
                    entries.append(Entry(path: relative, realPath: full, stamp: FileStamp(info)))
                case .symbolicLink:
                    guard let real = try? root.resolve(relativePath: relative), stat(real, &info) == 0 else { continue }
                    entries.append(Entry(path: relative, realPath: real, stamp: FileStamp(info)))
                case .other:
                    continue
                }
            }
        }
        return entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private static func join(_ base: String, _ relative: String) -> String {
        base == "/" ? "/" + relative : base + "/" + relative
    }

    /// The names in a directory other than "." and "..", leaving out names that are not UTF-8;
    /// nil with `errno` set when the directory cannot be opened.
    private static func names(in directory: String) -> [String]? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String? in
                let bytes = raw.prefix(while: { $0 != 0 })
                return String(bytes: bytes, encoding: .utf8)
            }
            guard let name, name != ".", name != ".." else { continue }
            names.append(name)
        }
        return names
    }
}
