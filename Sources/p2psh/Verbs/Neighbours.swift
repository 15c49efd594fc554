import ArgumentParser
import FileSharing
import PeerKit

struct Neighbours: Verb {
    static let configuration = CommandConfiguration(
        commandName: "neighbours",
        abstract: "List the file-sharing neighbours.",
        discussion: """
            The nodes that introduced themselves as file-sharing peers ('hello'), most \
            recently heard first: each one's id, DHT address, HTTP port, seconds since it was \
            last heard, and how many names it shares ('-' when it did not list them). 'fetch' \
            asks them who has a name; 'forget' drops one. In pipes the fields are plain \
            numbers; with --json each neighbour's names are listed too.

            Example:
              neighbours
            """,
        aliases: ["neighbors"])
    static let group = VerbGroup.files

    struct Output: VerbOutput {
        struct Neighbour: Encodable, Sendable {
            var id: String
            var address: String
            var httpPort: Int
            var heardSecondsAgo: Int
            /// Absent when the neighbour did not list its files.
            var names: [String]?
        }

        var neighbours: [Neighbour]

        /// In pipes `ID ADDRESS HTTP_PORT HEARD_SECONDS NAMES`.
        func lines(for console: Console) -> [String] {
            guard !neighbours.isEmpty else {
                return console.decorated ? ["no neighbours: they introduce themselves when you join a p2psh node"] : []
            }
            let rows = neighbours.map { neighbour in
                [neighbour.id, neighbour.address, "\(neighbour.httpPort)",
                 console.decorated ? Formatting.duration(Double(neighbour.heardSecondsAgo)) + " ago" : "\(neighbour.heardSecondsAgo)",
                 neighbour.names.map { "\($0.count)" } ?? "-"]
            }
            guard console.decorated else { return rows.map { $0.joined(separator: " ") } }
            return Formatting.table(rows, header: ["ID", "ADDRESS", "HTTP", "HEARD", "NAMES"], console: console)
                + [Formatting.count(neighbours.count, "neighbour")]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        Output(neighbours: await session.peer.neighbourListings().map { listing in
            Output.Neighbour(id: listing.id.hex, address: "\(listing.nodeAddress)", httpPort: Int(listing.httpAddress.port),
                             heardSecondsAgo: max(0, Int(listing.heardAgo.inSeconds)), names: listing.names)
        })
    }
}
