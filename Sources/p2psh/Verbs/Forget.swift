import ArgumentParser
import PeerKit

struct Forget: Verb {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Drop a node from the routing table and the neighbours.",
        discussion: """
            NODE is a node's HOST:PORT or its id (40 hex digits), as 'peers' and 'neighbours' \
            list them. The node is dropped from the routing table, from the nodes heard from \
            lately (which TAB offers to 'join') and from the file-sharing neighbours. It comes \
            back if it answers this node again; 'ban' keeps it out. TAB completes the nodes \
            of the routing table and the neighbours.

            Examples:
              forget 127.0.0.1:6890
              forget 0123456789abcdef0123456789abcdef01234567
            """)
    static let group = VerbGroup.network
    static let argumentCompletion = CompletionSource.knownNodes

    @Argument(help: ArgumentHelp("A node's HOST:PORT or id (40 hex digits).", valueName: "node"))
    var node: String

    func validate() throws {
        guard NodeID(hex: node) != nil || NodeAddress(node) != nil else {
            throw ValidationError("'\(DHTKey(node).shown)' is neither HOST:PORT nor a node id (40 hex digits)")
        }
    }

    struct Output: VerbOutput {
        struct Forgotten: Encodable, Sendable {
            var id: String
            var address: String
        }

        /// Routing-table entries dropped.
        var nodes: [Forgotten]
        /// File-sharing neighbours dropped.
        var neighbours: Int

        func lines(for console: Console) -> [String] {
            nodes.map { "forgot \($0.id) at \($0.address)" }
                + (neighbours > 0 ? ["forgot " + Formatting.count(neighbours, "neighbour")] : [])
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let removed: [NodeEntry]
        let neighbours: Int
        if let id = NodeID(hex: node) {
            removed = await session.node.forget(id)
            neighbours = await session.peer.forgetNeighbour(id) ? 1 : 0
        } else {
            let address = NodeAddress(node)!
            removed = await session.node.forget(address)
            neighbours = await session.peer.forgetNeighbours { $0 == address }
        }
        guard !removed.isEmpty || neighbours > 0 else {
            throw ShellError("no node \(DHTKey(node).shown) in the routing table or among the neighbours: 'peers' and 'neighbours' list them")
        }
        return Output(nodes: removed.map { .init(id: $0.id.hex, address: "\($0.address)") }, neighbours: neighbours)
    }
}
