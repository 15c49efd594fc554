import ArgumentParser
import PeerKit

struct Announce: Verb {
    static let configuration = CommandConfiguration(
        commandName: "announce",
        abstract: "Announce a BitTorrent peer for an info hash, as a BitTorrent client does.",
        discussion: """
            Looks up the nodes closest to the info hash (get_peers) and sends each one that gave \\
            a token announce_peer. Without --port the nodes record the port they see this node's \\
            UDP socket at (BEP 5 implied_port, which works behind a NAT); with --port, that TCP \\
            port. 'swarm INFOHASH' on any node then lists this peer. Announcements expire after \\
            45 minutes on p2psh nodes (BitTorrent clients announce again every 30).

            Examples:
              announce 0123456789abcdef0123456789abcdef01234567
              announce 0123456789abcdef0123456789abcdef01234567 --port 51413
            """)
    static let group = VerbGroup.network

    @Argument(help: ArgumentHelp("A BitTorrent info hash, 40 hex digits.", valueName: "infohash"))
    var infoHash: String
    @Option(help: ArgumentHelp("The TCP port peers connect to (default: the implied UDP port).", valueName: "port"))
    var port: UInt16?

    func validate() throws {
        guard NodeID(hex: infoHash) != nil else {
            throw ValidationError("'\(infoHash.printable)' is not an info hash: give 40 hex digits (a magnet link's btih)")
        }
        if port == 0 { throw ValidationError("--port must be from 1 to 65535") }
    }

    struct Output: VerbOutput {
        var infoHash: String
        /// The port announced; absent when the nodes take the implied one.
        var port: UInt16?
        /// Addresses of the nodes that acknowledged.
        var storedOn: [String]
        var queries: Int
        var milliseconds: Int

        func lines(for console: Console) -> [String] {
            let summary = "announced on \(Formatting.count(storedOn.count, "node"))"
            guard console.decorated else { return [summary] }
            return ["\(summary) (\(port.map { "port \($0)" } ?? "implied port"), \(milliseconds) ms)"]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let hash = NodeID(hex: infoHash)!
        let started = ContinuousClock.now
        let result = try await session.node.announce(hash, port: port)
        return Output(infoHash: hash.hex, port: port, storedOn: result.storedOn.map { "\($0.address)" },
                      queries: result.queries, milliseconds: Formatting.milliseconds(since: started))
    }
}
