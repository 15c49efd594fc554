import Testing
@testable import PeerKit

/// Nodes that do not speak a method beyond BEP 5 are remembered as such, not as dead.
@Suite struct MethodSupportTests {
    typealias Harness = ProtocolEngineTests.Harness

    func failures(_ harness: Harness) -> Int? { harness.engine.table.entry(for: harness.peerID)?.failures }

    func answerError(_ harness: Harness, key: UInt16, code: Int64, at now: Timestamp) {
        let reply: Bencode = ["t": .bytes([UInt8(key >> 8), UInt8(key & 0xFF)]), "y": "e", "e": [.integer(code), "no"]]
        let peer = harness.peer
        _ = reply.encoded().withUnsafeBytes { harness.engine.receive($0, from: peer, now: now) }
    }

    @Test func silenceToAMethodBeyondBEP5IsNotCountedAgainstTheNode() throws {
        let harness = Harness(), start = harness.start
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: harness.peer), now: start)
        let started1 = harness.engine.startQuery("find_value", ["key": .bytes(NodeID.zero.bytes)], to: harness.peer,
                                                   expecting: harness.peerID, now: start)
        _ = try #require(started1)
        _ = harness.engine.takeOutput()
        harness.engine.advance(to: start + .seconds(2))
        #expect(harness.engine.takeOutput().datagrams.count == 1, "resent, as any query")
        #expect(failures(harness) == 0, "not counted at the first resend")
        harness.engine.advance(to: start + .seconds(9))
        #expect(failures(harness) == 0, "nor at the timeout")
        #expect(!harness.engine.methodSupport.speaks("find_value", at: harness.peer, now: start + .seconds(9)))
        #expect(harness.engine.methodSupport.speaks("get", at: harness.peer, now: start + .seconds(9)))
        let memory = harness.engine.methodSupport.silenceMemory
        #expect(!harness.engine.methodSupport.speaks("find_value", at: harness.peer, now: start + .seconds(8) + memory))
        #expect(harness.engine.methodSupport.speaks("find_value", at: harness.peer, now: start + .seconds(9) + memory),
                "silence is remembered 15 minutes, as three lost datagrams look the same")
    }

    @Test func silenceToPingStillCounts() throws {
        let harness = Harness(), start = harness.start
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: harness.peer), now: start)
        let started2 = harness.engine.startQuery("get_peers", ["info_hash": .bytes(NodeID.zero.bytes)],
                                                   to: harness.peer, expecting: harness.peerID, now: start)
        _ = try #require(started2)
        harness.engine.advance(to: start + .seconds(2))
        #expect(failures(harness) == 1)
    }

    @Test func methodUnknownIsLearnedButABadTokenIsNot() throws {
        let harness = Harness(), now = harness.start
        let started3 = harness.engine.startQuery("get", ["target": .bytes(NodeID.zero.bytes)], to: harness.peer,
                                                         now: now)
        let get = try #require(started3)
        answerError(harness, key: get, code: 204, at: now)
        #expect(!harness.engine.methodSupport.speaks("get", at: harness.peer, now: now))
        let memory = harness.engine.methodSupport.memory
        #expect(!harness.engine.methodSupport.speaks("get", at: harness.peer, now: now + memory - .seconds(1)))
        #expect(harness.engine.methodSupport.speaks("get", at: harness.peer, now: now + memory), "a refusal: an hour")
        let started4 = harness.engine.startQuery("find_value", ["key": .bytes(NodeID.zero.bytes)],
                                                               to: harness.peer, now: now)
        let findValue = try #require(started4)
        answerError(harness, key: findValue, code: 203, at: now)
        #expect(!harness.engine.methodSupport.speaks("find_value", at: harness.peer, now: now), "libtorrent's 203")
        let started5 = harness.engine.startQuery("store_value", ["key": .bytes(NodeID.zero.bytes)],
                                                           to: harness.peer, now: now)
        let store = try #require(started5)
        answerError(harness, key: store, code: 203, at: now)
        #expect(harness.engine.methodSupport.speaks("store_value", at: harness.peer, now: now),
                "a 203 to a query with a token may be the token")
    }

    @Test func theMemoryIsBounded() {
        var support = MethodSupport(capacity: 3)
        let now = Timestamp(sinceEpoch: .seconds(0))
        for port in 1...10 { support.noteUnsupported("get", at: NodeAddress("10.0.0.1:\(port)")!, now: now) }
        #expect(support.count == 3)
    }
}
