import Foundation
import Testing
@testable import PeerKit

@Suite struct ValueStoreTests {
    let key = NodeID.sha1(of: Array("k".utf8))
    let start = Timestamp(sinceEpoch: .zero)

    @Test func holdsManyValuesPerKeyAndRefreshes() {
        var store = ValueStore()
        store.store([1], at: key, now: start)
        store.store([2], at: key, now: start + .seconds(10))
        store.store([1], at: key, now: start + .seconds(20))
        #expect(store.count(at: key) == 2)
        #expect(store.values(at: key) == [[1], [2]], "newest first")
        #expect(store.valueCount == 2 && store.keyCount == 1)
    }

    @Test func expiresValuesNotRefreshed() {
        var store = ValueStore()
        store.store([1], at: key, now: start)
        store.store([2], at: key, now: start + .seconds(100))
        let expired = store.expire(before: start + .seconds(50))
        #expect(expired.map(\.value) == [[1]])
        #expect(store.values(at: key) == [[2]])
        _ = store.expire(before: start + .seconds(1000))
        #expect(store.keyCount == 0 && store.valueCount == 0)
    }

    @Test func enforcesItsLimits() {
        var store = ValueStore(maxValuesPerKey: 2, maxValues: 3)
        do { let outcome = store.store([1], at: key, now: start); #expect(outcome) }
        do { let outcome = store.store([2], at: key, now: start); #expect(outcome) }
        do { let outcome = store.store([3], at: key, now: start); #expect(!outcome) }
        do { let outcome = store.store([1], at: key, now: start + .seconds(1)); #expect(outcome, "refreshing an existing value always works") }
        do { let outcome = store.store([4], at: .zero, now: start); #expect(outcome) }
        do { let outcome = store.store([5], at: .zero, now: start); #expect(!outcome) }
    }
}
