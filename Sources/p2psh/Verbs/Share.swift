import ArgumentParser
import Foundation
import FileSharing
import PeerKit

struct Share: Verb {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Copy a file into the share directory, and share it.",
        discussion: """
            The file is copied, not linked: what peers download stays what was hashed even if \
            the original changes, and a link out of the share directory would not be served. \
            The copy is hashed, served over HTTP and announced in the DHT. A file already in \
            the share directory is simply (re)indexed. Files copied into the directory by other \
            means are picked up by 'files' and by a rescan every 5 minutes. TAB completes paths.

            Examples:
              share ~/notes.txt
              share ./build/app.tar.gz --as app-1.2.tar.gz
            """)
    static let group = VerbGroup.files

    @Argument(help: ArgumentHelp("The file to share.", valueName: "path"), completion: .file())
    var path: String

    @Option(name: .customLong("as"), help: ArgumentHelp("The name to share it under (default: its file name).",
                                                        valueName: "name"))
    var name: String?

    struct Output: VerbOutput {
        /// The file's path in the share directory: the name peers fetch it by.
        var path: String
        var size: Int64
        var sha256: String
        /// The same content was already shared under this name: nothing was copied.
        var alreadyShared: Bool

        /// In pipes `sharing|already_shared SHA256 SIZE PATH`: bytes as a number, the path last.
        func lines(for console: Console) -> [String] {
            guard console.decorated else { return ["\(alreadyShared ? "already_shared" : "sharing") \(sha256) \(size) \(path.printable)"] }
            return ["\(alreadyShared ? "already shared" : "sharing") \(path.printable)  "
                + "\(Formatting.bytes(Int(size)))  sha256 \(sha256)"]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let (file, alreadyShared) = try await session.peer.share(expandingTilde(path), as: name)
        return Output(path: file.path, size: file.size, sha256: file.sha256.hexString, alreadyShared: alreadyShared)
    }
}
