import Testing
@testable import PeerKit

@Suite struct PendingValueWritesTests {
    let key = NodeID.sha1(of: Array("k".utf8))

    func record(_ value: UInt8, at seconds: Double) -> ValueStore.Record {
        ValueStore.Record(key: key, value: [value], refreshedAt: Timestamp(seconds: seconds))
    }

    @Test func onlyTheLastChangeToARowIsWritten() {
        var pending = PendingValueWrites()
        pending.add([.save(record(1, at: 1), in: .stored), .save(record(2, at: 1), in: .stored)])
        pending.add([.save(record(1, at: 2), in: .stored), .delete(record(2, at: 1), from: .stored)])
        pending.add([.save(record(1, at: 3), in: .published)])
        #expect(pending.count == 3, "a row is a table, a key and a value")
        let batch = pending.take()
        #expect(Set(batch.map(\.row)).count == 3)
        #expect(batch.contains(.save(record(1, at: 2), in: .stored)), "the refresh, not the first save")
        #expect(batch.contains(.delete(record(2, at: 1), from: .stored)), "stored then evicted: one delete")
        #expect(batch.contains(.save(record(1, at: 3), in: .published)))
        #expect(pending.isEmpty)
    }
}
