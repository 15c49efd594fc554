import HeapModule

/// Who holds how much of a ``ValueStore``, and in which order each one's values age.
///
/// The store asks two questions of it when it is full: which source holds the most bytes,
/// and which is that source's oldest value. Both are answered in amortized logarithmic time
/// however many sources there are, so a flood costs the same per store as honest traffic.
/// Both structures are lazy: an entry made stale by a later store, refresh or removal stays
/// until it reaches the front, where it is skipped, or until stale entries outnumber live ones
/// and are swept, so memory stays proportional to the values held. Which items are stale is
/// the store's knowledge: it says so when it asks.
struct SourceLedger: Sendable {
    /// A value as its source's age order sees it.
    struct Item: Sendable {
        let key: NodeID
        let value: [UInt8]
        let refreshedAt: Timestamp
    }

    private struct Account: Sendable {
        var bytes = 0
        var count = 0
        /// Oldest first; entries before `head` are gone.
        var items: [Item] = []
        var head = 0
    }

    private struct Rank: Comparable, Sendable {
        let bytes: Int
        let source: ValueStore.Source
        static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.bytes < rhs.bytes }
    }

    private var accounts: [ValueStore.Source: Account] = [:]
    private var ranks = Heap<Rank>()

    /// How many sources hold at least one value.
    var sourceCount: Int { accounts.count }

    func bytes(of source: ValueStore.Source) -> Int { accounts[source]?.bytes ?? 0 }

    /// Charges a new value's cost to `source`; its item joins the source's age order.
    /// Returns true when that order has gathered enough stale items to sweep (``sweep(_:keeping:)``).
    mutating func charge(_ cost: Int, for item: Item, to source: ValueStore.Source) -> Bool {
        accounts[source, default: Account()].bytes += cost
        accounts[source]!.count += 1
        rank(source)
        return enqueue(item, for: source)
    }

    /// Takes a value's cost off `source`; its item in the age order turns stale.
    mutating func credit(_ cost: Int, from source: ValueStore.Source) {
        guard var account = accounts.removeValue(forKey: source) else { return }
        account.bytes -= cost
        account.count -= 1
        guard account.count > 0 else { return }
        accounts[source] = account
        rank(source)
    }

    /// Moves a refreshed value of `source` to the young end of its age order. Returns true
    /// when stale items outnumber live ones there.
    mutating func enqueue(_ item: Item, for source: ValueStore.Source) -> Bool {
        guard accounts[source] != nil else { return false }
        accounts[source]!.items.append(item)
        guard let queued = accounts[source]?.items.count, let head = accounts[source]?.head,
              let count = accounts[source]?.count else { return false }
        return queued - head > 2 * count + 16
    }

    /// Keeps, of `source`'s age order, only the items `isCurrent` says still stand.
    mutating func sweep(_ source: ValueStore.Source, keeping isCurrent: (Item) -> Bool) {
        guard let account = accounts[source] else { return }
        let kept = account.items[account.head...].filter(isCurrent)
        accounts[source]!.items = kept
        accounts[source]!.head = 0
    }

    /// The source holding the most bytes, or nil when nobody holds anything.
    mutating func largest() -> ValueStore.Source? {
        while let top = ranks.max {
            if accounts[top.source]?.bytes == top.bytes { return top.source }
            ranks.removeMax()
        }
        return nil
    }

    /// The item at the old end of `source`'s age order, stale or not.
    func front(of source: ValueStore.Source) -> Item? {
        guard let account = accounts[source], account.head < account.items.count else { return nil }
        return account.items[account.head]
    }

    /// Drops the item at the old end of `source`'s age order.
    mutating func dropFront(of source: ValueStore.Source) {
        guard let head = accounts[source]?.head, let count = accounts[source]?.items.count, head < count else { return }
        accounts[source]!.head = head + 1
        if head + 1 > 64, (head + 1) * 2 > count {
            accounts[source]!.items.removeFirst(head + 1)
            accounts[source]!.head = 0
        }
    }

    /// Records a source's new total, and rebuilds the ranking once stale entries outnumber live ones.
    private mutating func rank(_ source: ValueStore.Source) {
        ranks.insert(Rank(bytes: accounts[source]?.bytes ?? 0, source: source))
        if ranks.count > 2 * accounts.count + 64 {
            ranks = Heap(accounts.map { Rank(bytes: $0.value.bytes, source: $0.key) })
        }
    }
}
