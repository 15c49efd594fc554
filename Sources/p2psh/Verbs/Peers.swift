import ArgumentParser
import Foundation
import PeerKit

struct Peers: Verb {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "Show the routing table, closest nodes first.",
        discussion: """
            One line per node: its id, address, when it last answered, its failed queries in a \
            row, and its bucket (how many leading bits its id shares with ours).

            Example:
              peers
            """)
    static let group = VerbGroup.network
    static let synopsis = ""

    func execute(in session: ShellSession) async throws -> VerbResult {
        let node = session.node
        let entries = await node.routingTable()
        guard !entries.isEmpty else {
            session.console.note("no peers known: join HOST:PORT first")
            return .done
        }
        let now = node.configuration.clock()
        var rows = session.console.isInteractive ? [["ID", "ADDRESS", "LAST SEEN", "FAILURES", "BUCKET"]] : []
        for entry in entries {
            rows.append([entry.id.hex, "\(entry.address)", Formatting.duration(now.timeIntervalSince(entry.lastSeen)) + " ago",
                         "\(entry.failures)", "\(entry.id.distance(to: node.id).leadingZeroBitCount)"])
        }
        for line in Formatting.table(rows) { session.console.print(line) }
        session.console.note("\(entries.count) nodes")
        session.completer.update { $0.peerAddresses = entries.map { "\($0.address)" } }
        return .done
    }
}
