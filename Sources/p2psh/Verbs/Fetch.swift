import ArgumentParser
import Foundation
import FileSharing
import PeerKit

struct Fetch: Verb {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a file from every peer that has it, checking each piece.",
        discussion: """
            FILE is a file name as its providers share it, or a content hash (64 hex digits). \
            Providers are found through the DHT and by asking neighbours, at once, and merged. \
            Pieces (1 MiB) come from all providers at once; each is checked against its SHA-256 \
            and fetched again elsewhere if it is wrong, and the whole file is checked before it \
            gets its name. The file lands in the share directory, and is shared from then on, \
            unless --to names another directory; --as gives it another name. A file already \
            there with the same content is not fetched again, and a different one is never \
            replaced. When a name means different files on the network, fetch lists them and \
            asks for one by its SHA-256. Names from the network are cleaned: control \
            characters become '_' and leading dots are dropped. Ctrl-C stops the download; \
            fetching the same file again resumes it. TAB completes names this node and its \
            neighbours share, and names seen on the network.

            Examples:
              fetch debian.iso
              fetch 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
              fetch notes.txt --to /tmp
              fetch notes.txt --to /tmp --as notes-2.txt
            """)
    static let group = VerbGroup.files
    static let argumentCompletion = CompletionSource.fileNames

    @Argument(help: "A file name, or a SHA-256 as 64 hex digits.")
    var file: String

    @Option(help: ArgumentHelp("Put the file in this directory instead of the share directory.", valueName: "dir"),
            completion: .directory)
    var to: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Save the file under this name (default: its providers' name).",
                                                        valueName: "name"))
    var name: String?

    /// The files a name means, when it means more than one (as `--json` shows them).
    struct Candidates: VerbOutput {
        var name: String
        var candidates: [FetchCandidate]

        /// The list is in the error message, on stderr.
        func lines(for console: Console) -> [String] { [] }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let console = session.console
        let isHash = file.utf8.count == 64 && [UInt8](hex: file) != nil
        if !isHash { console.note("Using h(name:\(file)) = \(NameRecord.key(for: file).hex)") }
        let bar = ProgressBar(label: (file.split(separator: "/").last).map(String.init) ?? file, console: console)
        defer { bar.finish() }
        let report: FetchReport
        do {
            report = try await session.peer.fetch(file, to: to.map(expandingTilde), as: name, resolved: { plan in
                console.note(Formatting.count(plan.providers.count, "provider")
                    + " (\(plan.source == .dht ? "DHT" : "neighbours")), sha256 \(plan.sha256.hexString.prefix(12))…")
            }, progress: { bar.update($0) })
        } catch {
            guard case .ambiguousName(let name, let candidates) = error else { throw error }
            throw PartialFailure(output: Candidates(name: name, candidates: candidates), description: error.description)
        }
        session.completer.update { $0.fileNames.append(file) }
        return report
    }
}

/// `fetch`'s result: PeerKit's report of the download.
extension FetchReport: VerbOutput {
    /// In pipes `fetched SHA256 SIZE PROVIDERS PATH`, or `already_there|copied|already_shared SHA256
    /// SIZE PATH`: bytes as a number, the path last.
    func lines(for console: Console) -> [String] {
        let path = path.printable
        guard console.decorated else {
            guard alreadyPresent else { return ["fetched \(sha256) \(size) \(providers) \(path)"] }
            return ["\(shared ? "already_shared" : copied ? "copied" : "already_there") \(sha256) \(size) \(path)"]
        }
        if alreadyPresent {
            let how = shared ? "already shared" : copied ? "copied from the share directory" : "already there"
            return ["\(how): \(path)  \(Formatting.bytes(Int(size)))  sha256 \(sha256)"]
        }
        let rate = seconds > 0 && bytesFetched > 0 ? "  \(Formatting.bytes(Int(Double(bytesFetched) / seconds)))/s" : ""
        let timing = console.decorated ? " in " + String(format: "%.1f s", seconds) + rate : ""
        return ["fetched \(path)  \(Formatting.bytes(Int(size)))  sha256 \(sha256)  "
            + "from \(Formatting.count(providers, "peer"))" + timing
            + (resumedPieces > 0 ? "  (\(Formatting.count(resumedPieces, "piece")) resumed)" : "")]
    }
}
