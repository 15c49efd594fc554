import ArgumentParser
import PeerKit

struct Swarm: Verb {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "List the BitTorrent peers of an info hash (get_peers).",
        discussion: """
            Looks up the info hash through the DHT (BEP 5 get_peers) and prints each peer found, \\
            one HOST:PORT a line: the peers libtorrent, Transmission, aria2c or 'announce' \\
            announced, and those announced to this node. Fails when no peer is found.

            Examples:
              swarm 0123456789abcdef0123456789abcdef01234567
              swarm 0123456789abcdef0123456789abcdef01234567 --json
            """)
    static let group = VerbGroup.network

    @Argument(help: ArgumentHelp("A BitTorrent info hash, 40 hex digits.", valueName: "infohash"))
    var infoHash: String

    func validate() throws {
        guard NodeID(hex: infoHash) != nil else {
            throw ValidationError("'\(infoHash.printable)' is not an info hash: give 40 hex digits (a magnet link's btih)")
        }
    }

    struct Output: VerbOutput {
        var infoHash: String
        var peers: [String]
        var milliseconds: Int

        func lines(for console: Console) -> [String] {
            peers + (console.decorated ? ["Swarm: \(Formatting.count(peers.count, "peer")) after \(milliseconds) ms"] : [])
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let hash = NodeID(hex: infoHash)!
        let started = ContinuousClock.now
        let peers = await session.node.providers(of: hash)
        guard !peers.isEmpty else {
            if await session.node.routingTable().isEmpty { throw ShellError(NodeError.noPeers.description) }
            throw ShellError("no peer of \(hash.hex) found (\(Formatting.milliseconds(since: started)) ms): "
                + "announce one with 'announce \(hash.hex)'")
        }
        return Output(infoHash: hash.hex, peers: peers.map { "\($0)" }, milliseconds: Formatting.milliseconds(since: started))
    }
}
