import ArgumentParser
import PeerKit

struct Files: Verb {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "List the files this node shares.",
        discussion: """
            Rescans the share directory first (only new or changed files are hashed), then \
            lists each file: its name, size, SHA-256 and how many times it was served (whole \
            downloads, and fetches that began with its first piece).

            Example:
              files
            """)
    static let group = VerbGroup.files
    static let synopsis = ""

    func execute(in session: ShellSession) async throws -> VerbResult {
        let files = try await session.peer.files()
        session.completer.update { $0.localFileNames = files.map(\.path) }
        guard !files.isEmpty else {
            session.console.note("no files shared: copy some into the share directory, or use 'share PATH'")
            return .done
        }
        var rows: [[String]] = session.console.isInteractive ? [["name", "size", "sha256", "served"]] : []
        for file in files {
            rows.append([file.path, Formatting.bytes(Int(file.size)), file.sha256, "\(file.timesServed)"])
        }
        for line in Formatting.table(rows) { session.console.print(line) }
        return .done
    }
}
