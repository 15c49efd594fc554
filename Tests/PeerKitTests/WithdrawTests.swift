import Testing
@testable import PeerKit

/// `delete_value` and withdrawing own values, in the engine on a hand-driven clock.
@Suite struct WithdrawTests {
    typealias Harness = ProtocolEngineTests.Harness

    @Test func aHolderDropsOnlyWhatTheAskingSourceStored() {
        let harness = Harness()
        let now = harness.start
        let key = NodeID.sha1(of: Array("k".utf8))
        let other = NodeAddress("10.0.0.8:6881")!
        #expect(harness.store("mine", at: key, token: harness.token(at: now), now: now))
        let otherToken = harness.ask("get_peers", ["info_hash": .bytes(NodeID.zero.bytes)], at: now, from: other)
            .response?["token"]?.bytesValue ?? []
        _ = harness.ask("store_value", ["key": .bytes(key.bytes), "value": "theirs", "token": .bytes(otherToken)],
                        at: now, from: other)
        #expect(Set(harness.values(at: key, now: now)) == [Array("mine".utf8), Array("theirs".utf8)])

        // Without a valid token nothing goes: a forged source cannot withdraw.
        let forged = harness.ask("delete_value", ["key": .bytes(key.bytes), "values": ["mine"], "token": "bad"], at: now)
        #expect(forged.error?.first == .integer(203))
        // The source asks to drop its own value and the other's: only its own goes.
        let asked = harness.ask("delete_value", ["key": .bytes(key.bytes), "values": ["mine", "theirs"],
                                                 "token": .bytes(harness.token(at: now))], at: now)
        #expect(asked.response?["removed"] == .integer(1))
        #expect(harness.values(at: key, now: now) == [Array("theirs".utf8)])
        #expect(harness.engine.takeOutput().valueChanges.contains { change in
            if case .delete(let record, .stored) = change { return record.value == Array("mine".utf8) }
            return false
        }, "the drop reaches the database")
        #expect(harness.engine.statistics.valuesWithdrawn == 1)
    }

    @Test func aWithdrawnValueIsNoLongerRepublishedNorAnswered() {
        let harness = Harness()
        let start = harness.start
        let key = NodeID.sha1(of: Array("k".utf8))
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: NodeAddress("10.0.0.9:6881")!), now: start)
        harness.engine.recordPublished(Array("kept".utf8), at: key, now: start)
        harness.engine.recordPublished(Array("gone".utf8), at: key, now: start)
        harness.engine.withdraw([Array("gone".utf8)], at: key)
        #expect(harness.values(at: key, now: start) == [Array("kept".utf8)])
        harness.engine.advance(to: start + harness.engine.configuration.keyRefresh + harness.engine.configuration.checkpointInterval * 2)
        let republished = harness.engine.takeOutput().maintenance?.republish.map(\.value) ?? []
        #expect(republished == [Array("kept".utf8)])
    }
}
