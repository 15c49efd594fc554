import Testing
@testable import FileSharing

@Suite struct ConnectionTableTests {
    @Test func theLongestWaitingConnectionIsFoundPerClientAndInAll() {
        var table = ConnectionTable<Int, String>()
        table.open(1, from: "a")
        table.open(2, from: "b")
        table.open(3, from: "a")
        #expect(table.longestWaiting(of: nil) == 1)
        #expect(table.longestWaiting(of: "b") == 2)
        table.busy(1)  // a head arrived: no longer idle
        #expect(table.longestWaiting(of: nil) == 2)
        #expect(table.longestWaiting(of: "a") == 3)
        table.wait(1)  // its response ended: it waits again, youngest of all
        #expect(table.longestWaiting(of: "a") == 3)
        table.close(3)
        #expect(table.longestWaiting(of: "a") == 1)
        #expect(table.count == 2 && table.count(from: "a") == 1 && table.busyCount == 0)
        table.busy(1)
        table.busy(2)
        #expect(table.longestWaiting(of: nil) == nil, "busy connections are never displaced")
        #expect(table.busyCount == 2)
    }

    @Test func staleWaitersDoNotPileUp() {
        var table = ConnectionTable<Int, String>()
        table.open(1, from: "a")
        for _ in 0..<10_000 {
            table.busy(1)
            table.wait(1)
        }
        #expect(table.longestWaiting(of: "a") == 1 && table.longestWaiting(of: nil) == 1)
        #expect(table.queuedWaiters <= 100, "20,000 waits, swept as they went: \(table.queuedWaiters) kept")
    }
}
