import Logging
import Testing
@testable import PeerKit

/// Private networks (`--network`) in the engine: nodes of another network are refused and
/// never learned from.
@Suite struct NetworkIDTests {
    typealias Harness = ProtocolEngineTests.Harness

    func query(_ method: String, network: String?) -> [UInt8] {
        KRPCMessage(transactionID: [1, 2], body: .query(method: method, arguments: ["id": .bytes(NodeID.sha1(of: [5]).bytes)]),
                    network: network.map { Array($0.utf8) }).encoded()
    }

    func reply(to bytes: [UInt8]?) -> KRPCMessage? {
        bytes.flatMap { try? KRPCMessage(BencodeDecoder().decode($0)) }
    }

    @Test func aPrivateNodeRefusesThePublicNetworkAndAPublicNodeRefusesAPrivateOne() throws {
        let lab = Harness { $0.network = "lab" }
        let public_ = Harness()
        let peer = NodeAddress("10.0.0.7:6881")!
        let refused = reply(to: query("ping", network: nil).withUnsafeBytes { lab.engine.receive($0, from: peer, now: lab.start) })
        #expect(refused?.body == .error(.otherNetwork(Array("lab".utf8))))
        #expect(refused?.network == Array("lab".utf8))
        let answered = reply(to: query("ping", network: "lab").withUnsafeBytes { lab.engine.receive($0, from: peer, now: lab.start) })
        #expect(answered.map { if case .response = $0.body { true } else { false } } == true)
        #expect(answered?.network == Array("lab".utf8))
        let other = reply(to: query("ping", network: "other").withUnsafeBytes { lab.engine.receive($0, from: peer, now: lab.start) })
        #expect(other?.body == .error(.otherNetwork(Array("lab".utf8))))
        let fromLab = reply(to: query("ping", network: "lab").withUnsafeBytes {
            public_.engine.receive($0, from: peer, now: public_.start)
        })
        #expect(fromLab?.body == .error(.otherNetwork(nil)))
        #expect(fromLab?.network == nil, "the public network's messages carry no n, as every mainline node's")
        #expect(lab.engine.statistics.otherNetworkIn == 2)
        #expect(KRPCError.otherNetwork(nil).otherNetworkName == "the public network")
        #expect(KRPCError.otherNetwork(Array("lab".utf8)).otherNetworkName == "network lab")
    }

    @Test func anAnswerFromAnotherNetworkEndsTheQueryAndTheNodeLeavesTheTable() throws {
        let lab = Harness { $0.network = "lab" }
        let start = lab.start
        _ = lab.engine.table.insert(Contact(id: lab.peerID, address: lab.peer), now: start)
        let started = lab.engine.startQuery("ping", to: lab.peer, expecting: lab.peerID, now: start)
        let key = try #require(started)
        _ = lab.engine.takeOutput()
        let answer = KRPCMessage(transactionID: TransactionTable<PendingQuery>.bytes(key),
                                 body: .response(["id": .bytes(lab.peerID.bytes)])).encoded()
        let peer = lab.peer
        _ = answer.withUnsafeBytes { lab.engine.receive($0, from: peer, now: start + .milliseconds(5)) }
        let finished = lab.engine.takeOutput().finished
        #expect(finished.count == 1)
        if case .error(let error) = finished.first?.outcome {
            #expect(error.otherNetworkName == "the public network")
        } else {
            Issue.record("the query did not end with the other network's error: \(String(describing: finished.first?.outcome))")
        }
        #expect(lab.engine.table.count == 0, "a node of another network is not kept")
    }
}
