import Testing
@testable import FileSharing
@testable import PeerKit

/// The neighbour query's algorithm over a simulated graph of nodes: who is asked, in what
/// order, and what the history cap allows.
@Suite struct NeighbourQueryTests {
    /// A graph of nodes, each with neighbours and maybe the file; `ask` runs the query at the neighbour.
    final class Graph: Sendable {
        let neighbours: [Int: [Int]]
        let holders: Set<Int>
        let maxHistory: Int
        let log = AskLog()

        init(_ neighbours: [Int: [Int]], holders: Set<Int>, maxHistory: Int = 6) {
            self.neighbours = neighbours
            self.holders = holders
            self.maxHistory = maxHistory
        }

        static func id(_ index: Int) -> NodeID { NodeID(high: 0, middle: 0, low: UInt32(index)) }

        func run(at index: Int, history: [NodeID]) async -> NeighbourQuery.Answer {
            await log.record(index)
            let local = holders.contains(index) ? [ProviderOffer(url: "", path: "f", size: 1, sha256: String(index))] : []
            let query = NeighbourQuery(maxHistory: maxHistory)
            return await query.answer(selfID: Self.id(index), history: history, local: local,
                                      neighbours: (neighbours[index] ?? []).map(Self.id)) { neighbour, asked in
                await self.run(at: Int(neighbour.bytes.last!), history: asked)
            }
        }
    }

    actor AskLog {
        var asked: [Int] = []
        func record(_ index: Int) { asked.append(index) }
    }

    @Test func answersFromItsOwnIndexWithoutAskingAnyone() async {
        let graph = Graph([0: [1, 2]], holders: [0])
        let answer = await graph.run(at: 0, history: [])
        #expect(answer.providers.map(\.sha256) == ["0"])
        #expect(await graph.log.asked == [0])
    }

    @Test func findsAFileTwoHopsAway() async {
        // 0 — 1 — 2 (has it)
        let graph = Graph([0: [1], 1: [0, 2], 2: [1]], holders: [2])
        let answer = await graph.run(at: 0, history: [])
        #expect(answer.providers.map(\.sha256) == ["2"])
        #expect(await graph.log.asked == [0, 1, 2])
        #expect(answer.asked == [0, 1, 2].map(Graph.id))
    }

    @Test func noNodeIsAskedTwiceInOneQuery() async {
        // A diamond and a cycle: 0 → 1, 2; both know 3; 3 knows 0. Nobody has the file.
        let graph = Graph([0: [1, 2], 1: [3, 0], 2: [3, 0], 3: [0, 1, 2]], holders: [])
        let answer = await graph.run(at: 0, history: [])
        #expect(answer.providers.isEmpty)
        let asked = await graph.log.asked
        #expect(asked.sorted() == [0, 1, 2, 3])
        #expect(Set(asked).count == asked.count)
    }

    @Test func theHistoryCapBoundsHowManyNodesAQueryReaches() async {
        // A line of 10 nodes; the file is at the end, out of reach of a cap of 4.
        let line = Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, [$0 + 1]) })
        let graph = Graph(line, holders: [9], maxHistory: 4)
        let answer = await graph.run(at: 0, history: [])
        #expect(answer.providers.isEmpty)
        #expect(await graph.log.asked == [0, 1, 2, 3])

        let wider = Graph(line, holders: [5], maxHistory: 6)
        #expect(await wider.run(at: 0, history: []).providers.map(\.sha256) == ["5"])
    }

    @Test func anUnreachableNeighbourIsSkipped() async {
        let query = NeighbourQuery(maxHistory: 6)
        let answer = await query.answer(selfID: Graph.id(0), history: [], local: [], neighbours: [Graph.id(1), Graph.id(2)]) {
            neighbour, _ in
            neighbour == Graph.id(1) ? nil
                : NeighbourQuery.Answer(providers: [ProviderOffer(url: "http://x", path: "f", size: 1, sha256: "2")],
                                        asked: [Graph.id(0), Graph.id(2)])
        }
        #expect(answer.providers.map(\.url) == ["http://x"])
        #expect(!answer.asked.contains(Graph.id(1)))
    }
}
