import ArgumentParser
import Foundation
import PeerKit

struct Peers: Verb {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "Show the routing table, closest nodes first.",
        discussion: """
            One line per node: its id, address, when it last answered, its failed queries in a \
            row, and the index of its bucket in the routing table (0 holds the farthest nodes). \
            In pipes each line is ID ADDRESS LAST_SEEN_SECONDS FAILURES BUCKET.

            Example:
              peers
            """)
    static let group = VerbGroup.network

    struct Output: VerbOutput {
        struct Peer: Encodable, Sendable {
            var id: String
            var address: String
            var lastSeenSecondsAgo: Int
            var failures: Int
            var bucket: Int
        }

        var nodes: [Peer]

        func lines(for console: Console) -> [String] {
            guard !nodes.isEmpty else { return console.decorated ? ["no peers known: join HOST:PORT first"] : [] }
            // In pipes: `ID ADDRESS LAST_SEEN_SECONDS FAILURES BUCKET`, five fields a line.
            guard console.decorated else {
                return nodes.map { "\($0.id) \($0.address) \($0.lastSeenSecondsAgo) \($0.failures) \($0.bucket)" }
            }
            let rows = nodes.map { [$0.id, $0.address, Formatting.duration(Double($0.lastSeenSecondsAgo)) + " ago",
                                    "\($0.failures)", "\($0.bucket)"] }
            return Formatting.table(rows, header: ["ID", "ADDRESS", "SEEN", "FAILS", "BUCKET"], console: console)
                + [Formatting.count(nodes.count, "node")]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let node = session.node
        let now = Date()
        var nodes: [Output.Peer] = []
        for entry in await node.routingTable() {
            nodes.append(Output.Peer(id: entry.id.hex, address: "\(entry.address)",
                                     lastSeenSecondsAgo: max(0, Int(now.timeIntervalSince(entry.lastSeen))),
                                     failures: entry.failures, bucket: await node.bucketIndex(of: entry.id)))
        }
        return Output(nodes: nodes)
    }
}
