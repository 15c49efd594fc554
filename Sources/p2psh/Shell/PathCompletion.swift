import Foundation

/// File-system candidates for a partial path, as bash offers them: the entries of the
/// directory typed so far that start with the rest, directories with a trailing `/`, hidden
/// entries only when the rest starts with a dot. A leading `~` stays as typed.
enum PathCompletion {
    /// At most this many entries of one directory are looked at.
    static let maximumEntries = 10_000

    static func candidates(for partial: String, directoriesOnly: Bool) -> [Completer.Candidate] {
        if partial == "~" { return [Completer.Candidate(value: "~/", display: "~/", isDirectory: true)] }
        let slash = partial.lastIndex(of: "/")
        let directoryPart = slash.map { String(partial[...$0]) } ?? ""
        let base = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
        let directory = directoryPart.isEmpty ? "." : expandingTilde(directoryPart)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var candidates: [Completer.Candidate] = []
        for name in names.prefix(maximumEntries) where name.hasPrefix(base) && (base.hasPrefix(".") || !name.hasPrefix(".")) {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
            if directoriesOnly && !isDirectory.boolValue { continue }
            let shown = name + (isDirectory.boolValue ? "/" : "")
            candidates.append(Completer.Candidate(value: directoryPart + shown, display: shown, isDirectory: isDirectory.boolValue))
        }
        return candidates
    }
}
