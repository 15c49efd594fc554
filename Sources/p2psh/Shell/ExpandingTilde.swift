import Foundation

/// A path as typed, with a leading `~` made `$HOME` (as a shell does; the account's home
/// directory only when HOME is unset) and `~NAME` that account's home directory.
func expandingTilde(_ path: String) -> String {
    guard path.hasPrefix("~") else { return path }
    let slash = path.firstIndex(of: "/") ?? path.endIndex
    let user = path[path.index(after: path.startIndex)..<slash]
    let home: String?
    if user.isEmpty {
        home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? accountHome(nil)
    } else {
        home = accountHome(String(user))
    }
    guard let home else { return path }
    return (home.hasSuffix("/") && slash < path.endIndex ? String(home.dropLast()) : home) + path[slash...]
}

/// The home directory of an account (the current one when `name` is nil), from the password database.
private func accountHome(_ name: String?) -> String? {
    let entry = name.map { getpwnam($0) } ?? getpwuid(getuid())
    guard let entry, let directory = entry.pointee.pw_dir else { return nil }
    return String(cString: directory)
}
