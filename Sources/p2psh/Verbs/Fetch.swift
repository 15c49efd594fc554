import ArgumentParser
import Foundation
import PeerKit

struct Fetch: Verb {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a file from every peer that has it, checking each piece.",
        discussion: """
            FILE is a file name as its providers share it, or a content hash (64 hex digits). \
            Providers are found through the DHT and, when it knows none, by asking neighbours. \
            Pieces (1 MiB) come from all providers at once; each is checked against its SHA-256 \
            and fetched again elsewhere if it is wrong, and the whole file is checked before it \
            gets its name. The file lands in the share directory, and is shared from then on, \
            unless --to names another directory. Ctrl-C stops the download; fetching the same \
            file again resumes it.

            Examples:
              fetch debian.iso
              fetch 5e3a0c…(64 hex digits)
              fetch notes.txt --to /tmp
            """)
    static let group = VerbGroup.files
    static let synopsis = "FILE [--to DIR]"

    @Argument(help: "A file name, or a SHA-256 as 64 hex digits.")
    var file: String

    @Option(help: ArgumentHelp("Put the file in this directory instead of the share directory.", valueName: "dir"),
            completion: .directory)
    var to: String?

    func execute(in session: ShellSession) async throws -> VerbResult {
        let console = session.console
        let isHash = file.utf8.count == 64 && [UInt8](hex: file) != nil
        if !isHash { console.note("Using h(name:\(file)) = \(NameRecord.key(for: file).hex)") }
        let bar = ProgressBar(label: (file.split(separator: "/").last).map(String.init) ?? file, console: console)
        let report = try await session.peer.fetch(file, to: to.map(Self.expandingTilde), resolved: { plan in
            console.note("\(plan.providers.count) provider\(plan.providers.count == 1 ? "" : "s") "
                + "(\(plan.source == .dht ? "DHT" : "neighbours")), sha256 \(plan.sha256.hexString.prefix(12))…")
        }, progress: { bar.update($0) })
        bar.finish()
        session.completer.update { $0.fileNames.append(file) }
        if report.alreadyPresent {
            let how = report.shared ? "already shared" : "copied from the share directory"
            console.print("\(how): \(report.path)  \(Formatting.bytes(Int(report.size)))  sha256 \(report.sha256)")
        } else {
            let rate = report.seconds > 0 ? "  \(Formatting.bytes(Int(Double(report.size) / report.seconds)))/s" : ""
            console.print("fetched \(report.path)  \(Formatting.bytes(Int(report.size)))  sha256 \(report.sha256)  "
                + "from \(report.providers) peer\(report.providers == 1 ? "" : "s") in "
                + String(format: "%.1f s", report.seconds) + rate
                + (report.resumedPieces > 0 ? "  (\(report.resumedPieces) pieces resumed)" : ""))
        }
        return .done
    }

    static func expandingTilde(_ path: String) -> String {
        NSString(string: path).expandingTildeInPath
    }
}
