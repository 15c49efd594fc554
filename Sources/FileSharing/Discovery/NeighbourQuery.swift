import PeerKit
/// The file-sharing seed's query: "who has NAME?", asked of this node first, then of each
/// neighbour in turn, carrying the history of the nodes already asked.
///
/// The seed's history held only the path to the current node, so two branches of one query
/// could ask the same node. Here every answer also returns the nodes its branch asked, and
/// they join the history before the next neighbour is asked: within one query no node is
/// asked twice. The cap on the history therefore bounds the whole query, not one path: a
/// query reaches at most `maxHistory` nodes, whatever the shape of the network, so no
/// question can flood it.
///
/// Pure logic over an injected `ask`, like ``Traversal``.
struct NeighbourQuery: Sendable {
    /// The most nodes one query may reach, the asking node included (the seed's MAX_HISTORY_LENGTH, 6).
    let maxHistory: Int

    /// What one node answers.
    struct Answer: Sendable, Equatable {
        var providers: [ProviderOffer]
        /// Every node asked so far by the query, this one and its branch included.
        var asked: [NodeID]
    }

    /// Answers for the node `selfID`.
    ///
    /// - Parameters:
    ///   - history: the nodes the query has reached before this one.
    ///   - local: what this node itself offers; when it has the file, nobody else is asked.
    ///   - neighbours: whom to ask, in order.
    ///   - ask: asks one neighbour with the history so far; nil when it could not be reached.
    func answer(selfID: NodeID, history: [NodeID], local: [ProviderOffer], neighbours: [NodeID],
                ask: @Sendable (NodeID, [NodeID]) async -> Answer?) async -> Answer {
        var asked = Self.unique(history + [selfID])
        guard local.isEmpty else { return Answer(providers: local, asked: asked) }
        for neighbour in neighbours where !asked.contains(neighbour) {
            guard asked.count < maxHistory, !Task.isCancelled else { break }
            guard let answer = await ask(neighbour, asked) else { continue }
            asked = Self.unique(asked + [neighbour] + answer.asked)
            if !answer.providers.isEmpty { return Answer(providers: answer.providers, asked: asked) }
        }
        return Answer(providers: [], asked: asked)
    }

    private static func unique(_ ids: [NodeID]) -> [NodeID] {
        var seen = Set<NodeID>()
        return ids.filter { seen.insert($0).inserted }
    }
}
