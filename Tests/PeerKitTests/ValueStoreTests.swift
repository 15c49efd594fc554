import Foundation
import Testing
@testable import PeerKit

@Suite struct ValueStoreTests {
    let key = NodeID.sha1(of: Array("k".utf8))
    let start = Timestamp(sinceEpoch: .zero)
    let attacker: ValueStore.Source = NodeAddress("10.0.0.66:0")!
    let honest: ValueStore.Source = NodeAddress("10.0.0.7:0")!
    let other: ValueStore.Source = NodeAddress("10.0.0.8:0")!

    /// A store with room for exactly `values` values of `size` bytes.
    func store(roomFor values: Int, of size: Int = 100, perKey: Int = 256) -> ValueStore {
        ValueStore(maxBytes: values * ValueStore.cost(of: [UInt8](repeating: 0, count: size)), maxValuesPerKey: perKey)
    }

    /// A distinct value of `size` bytes.
    func value(_ n: Int, size: Int = 100) -> [UInt8] {
        withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) } + [UInt8](repeating: 7, count: size - 4)
    }

    func key(_ n: Int) -> NodeID { NodeID.sha1(of: Array("key \(n)".utf8)) }

    @Test func holdsManyValuesPerKeyAndRefreshes() {
        var store = ValueStore()
        store.store([1], at: key, now: start)
        store.store([2], at: key, now: start + .seconds(10))
        store.store([1], at: key, now: start + .seconds(20))
        #expect(store.count(at: key) == 2)
        #expect(store.values(at: key) == [[1], [2]], "newest first")
        #expect(store.valueCount == 2 && store.keyCount == 1)
        #expect(store.usedBytes == ValueStore.cost(of: [1]) + ValueStore.cost(of: [2]))
    }

    @Test func expiresValuesNotRefreshed() {
        var store = ValueStore()
        store.store([1], at: key, from: honest, now: start)
        store.store([2], at: key, from: honest, now: start + .seconds(100))
        let expired = store.expire(before: start + .seconds(50))
        #expect(expired.map(\.value) == [[1]])
        #expect(expired.map(\.source) == [honest])
        #expect(store.values(at: key) == [[2]])
        #expect(store.bytes(of: honest) == ValueStore.cost(of: [2]))
        _ = store.expire(before: start + .seconds(1000))
        #expect(store.keyCount == 0 && store.valueCount == 0 && store.usedBytes == 0 && store.sourceCount == 0)
    }

    @Test func aFloodFillsOnlyTheRoomNobodyElseWants() {
        var store = store(roomFor: 10)
        for n in 0..<3 { #expect(store.store(value(n), at: key(n), from: honest, now: start).stored) }
        for n in 3..<10 {
            #expect(store.store(value(n), at: key(n), from: attacker, now: start + .seconds(Double(n))).stored)
        }
        // Full. The attacker holds the most, so it is refused rather than taking anyone's room.
        let refused = store.store(value(10), at: key(10), from: attacker, now: start + .seconds(20))
        #expect(!refused.stored && refused.evicted.isEmpty)
        // An honest store takes the room of the attacker's oldest value, and only that.
        let stored = store.store(value(11), at: key(11), from: honest, now: start + .seconds(21))
        #expect(stored.stored)
        #expect(stored.evicted.map(\.value) == [value(3)] && stored.evicted.map(\.source) == [attacker])
        #expect(store.valueCount == 10 && store.usedBytes <= store.maxBytes)
        #expect((0..<3).allSatisfy { store.contains(value($0), at: key($0)) }, "honest values are never pushed out")
    }

    @Test func evictionTakesTheOldestOfTheLargestSourceFirst() {
        var store = store(roomFor: 6)
        // attacker: 4 values (oldest refreshed last, so it is no longer the oldest); other: 2.
        for n in 0..<4 { store.store(value(n), at: key(n), from: attacker, now: start + .seconds(Double(n))) }
        for n in 4..<6 { store.store(value(n), at: key(n), from: other, now: start + .seconds(Double(n))) }
        store.store(value(0), at: key(0), from: attacker, now: start + .seconds(10))
        var evicted: [[UInt8]] = []
        for n in 6..<9 {
            let outcome = store.store(value(n), at: key(n), from: honest, now: start + .seconds(Double(10 + n)))
            #expect(outcome.stored == (n < 8))
            evicted += outcome.evicted.map(\.value)
        }
        // The attacker gives up its oldest, 1 then 2 (0 was refreshed); then everyone holds two,
        // and nobody would hold more than honest after a third, so the third is refused.
        #expect(evicted == [value(1), value(2)])
        #expect(store.contains(value(0), at: key(0)), "a refreshed value is young again")
        #expect(store.bytes(of: honest) == 2 * ValueStore.cost(of: value(6)))
        #expect(!store.contains(value(8), at: key(8)), "holdings stop at an even share")
    }

    @Test func aRefreshMovesAValueToWhoeverStoredItLast() {
        var store = ValueStore()
        store.store(value(1), at: key, from: honest, now: start)
        store.store(value(1), at: key, from: other, now: start + .seconds(1))
        #expect(store.bytes(of: honest) == 0 && store.bytes(of: other) == ValueStore.cost(of: value(1)))
        #expect(store.records.map(\.source) == [other])
        #expect(store.sourceCount == 1)
    }

    @Test func aFullKeyIsSharedTheSameWay() {
        var store = store(roomFor: 100, perKey: 4)
        for n in 0..<4 { store.store(value(n), at: key, from: attacker, now: start + .seconds(Double(n))) }
        #expect(!store.store(value(4), at: key, from: attacker, now: start + .seconds(5)).stored)
        let outcome = store.store(value(5), at: key, from: honest, now: start + .seconds(6))
        #expect(outcome.stored && outcome.evicted.map(\.value) == [value(0)])
        #expect(store.count(at: key) == 4)
        #expect(store.store(value(6), at: key, from: honest, now: start + .seconds(7)).stored)
        #expect(!store.store(value(7), at: key, from: honest, now: start + .seconds(8)).stored,
                "two values each: an even share of a key of four")
        #expect(store.store(value(5), at: key, from: honest, now: start + .seconds(9)).stored,
                "refreshing an existing value always works")
    }

    @Test func aLongFloodKeepsTheBookkeepingBounded() {
        var store = store(roomFor: 50)
        for n in 0..<10 { store.store(value(n), at: key(n), from: honest, now: start) }
        // Two sources storing and refreshing for a long while: they share the room honest leaves,
        // honest (below an even share) loses nothing, and the ledger keeps matching the table.
        for round in 0..<2000 {
            let now = start + .seconds(Double(round + 1))
            store.store(value(1000 + round % 40), at: key(1000 + round % 40), from: attacker, now: now)
            store.store(value(5000 + round), at: key(5000 + round), from: other, now: now)
        }
        #expect((0..<10).allSatisfy { store.contains(value($0), at: key($0)) })
        #expect(store.usedBytes <= store.maxBytes)
        let bySource = Dictionary(grouping: store.records, by: \.source).mapValues { $0.count }
        #expect(bySource[honest] == 10)
        #expect(bySource[attacker, default: 0] + bySource[other, default: 0] == 40)
        #expect(abs(bySource[attacker, default: 0] - bySource[other, default: 0]) <= 1, "\(bySource)")
        #expect(store.bytes(of: attacker) == bySource[attacker, default: 0] * ValueStore.cost(of: value(0)))
    }
}
