import ArgumentParser
import FileSharing
import PeerKit

struct Files: Verb {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "List the files this node shares.",
        discussion: """
            Rescans the share directory first (only new or changed files are hashed), then \
            lists each file: its name, size, SHA-256 and how many times it was served (whole \
            downloads, and fetches that began with its first piece). In pipes each line is \
            SHA256 SIZE SERVED NAME, the size in bytes and the name last.

            Example:
              files
            """)
    static let group = VerbGroup.files

    struct Output: VerbOutput {
        var files: [SharedFileStatus]
        /// Absent when the node shares no directory (--ephemeral without --share).
        var shareDirectory: String?

        func lines(for console: Console) -> [String] {
            guard !files.isEmpty else {
                guard console.decorated else { return [] }
                guard shareDirectory != nil else {
                    return ["this node shares no directory (--ephemeral): start p2psh with --share DIR to share files"]
                }
                return ["no files shared: copy some into the share directory, or use 'share PATH'"]
            }
            // In pipes: `SHA256 SIZE SERVED NAME`, bytes as a number and the name last, where its spaces cannot
            // shift the fields.
            guard console.decorated else { return files.map { "\($0.sha256) \($0.size) \($0.timesServed) \($0.path.printable)" } }
            let rows = files.map { [$0.path.printable, Formatting.bytes(Int($0.size)), $0.sha256, "\($0.timesServed)"] }
            return Formatting.table(rows, header: ["name", "size", "sha256", "served"], console: console)
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        Output(files: try await session.peer.files(), shareDirectory: await session.peer.statistics().shareDirectory)
    }
}
