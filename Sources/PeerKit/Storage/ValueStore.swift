/// A multi-valued key/value store with per-value refresh times and expiry (Khashmir's `kv` table).
///
/// Each key holds a set of values; storing a value again refreshes it. Used for
/// `store_value` records and, with compact peer addresses as values, for
/// `announce_peer` records. Bounded so a hostile peer cannot exhaust memory.
struct ValueStore: Sendable {
    struct Record: Sendable, Equatable {
        let key: NodeID
        let value: [UInt8]
        var refreshedAt: Timestamp
    }

    /// How many values one key may hold.
    let maxValuesPerKey: Int
    /// How many values in all.
    let maxValues: Int

    private var table: [NodeID: [[UInt8]: Timestamp]] = [:]
    private(set) var valueCount = 0

    init(maxValuesPerKey: Int = 256, maxValues: Int = 100_000) {
        self.maxValuesPerKey = maxValuesPerKey
        self.maxValues = maxValues
    }

    var keyCount: Int { table.count }

    /// Stores or refreshes a value. Returns false when a limit leaves no room for a new value.
    @discardableResult
    mutating func store(_ value: [UInt8], at key: NodeID, now: Timestamp) -> Bool {
        if table[key]?[value] != nil {
            table[key]![value] = now
            return true
        }
        guard valueCount < maxValues, (table[key]?.count ?? 0) < maxValuesPerKey else { return false }
        table[key, default: [:]][value] = now
        valueCount += 1
        return true
    }

    func count(at key: NodeID) -> Int { table[key]?.count ?? 0 }

    func contains(_ value: [UInt8], at key: NodeID) -> Bool { table[key]?[value] != nil }

    /// The values under a key, newest first.
    func values(at key: NodeID) -> [[UInt8]] {
        guard let entries = table[key] else { return [] }
        return entries.sorted { $0.value > $1.value }.map(\.key)
    }

    var records: [Record] {
        table.flatMap { key, entries in entries.map { Record(key: key, value: $0.key, refreshedAt: $0.value) } }
    }

    /// Drops values not refreshed since `cutoff`; returns what was dropped.
    mutating func expire(before cutoff: Timestamp) -> [Record] {
        var expired: [Record] = []
        for (key, entries) in table {
            let old = entries.filter { $0.value < cutoff }
            guard !old.isEmpty else { continue }
            expired += old.map { Record(key: key, value: $0.key, refreshedAt: $0.value) }
            let kept = entries.filter { $0.value >= cutoff }
            table[key] = kept.isEmpty ? nil : kept
            valueCount -= old.count
        }
        return expired
    }
}
