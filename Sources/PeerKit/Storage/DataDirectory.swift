import Foundation

/// The directory a node keeps its files in.
public enum DataDirectory {
    /// Creates `path` and any missing parents (the last one with mode 0700), or says in the
    /// user's words why it cannot be used: it is a file, or a parent cannot be written.
    public static func create(_ path: String) throws(NodeError) {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw .storage("\(path) is a file, not a directory: give --data-dir a directory (it is created if missing)")
            }
            return
        }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw .storage("cannot create the data directory \(path): \(String(cString: strerror(errno))) at \(prefix)")
            }
            guard stat(prefix, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw .storage("cannot create the data directory \(path): \(prefix) is a file, not a directory")
            }
        }
    }
}
