/// A multi-valued key/value store with refresh times, expiry and a byte budget shared fairly
/// among the sources that fill it (Khashmir's `kv` table, bounded against floods).
///
/// Each key holds a set of values; storing a value again refreshes it, and a value is charged
/// to whoever stored it last: the source that keeps it alive pays for it. Used for `store_value`
/// records and, with compact peer addresses as values, for `announce_peer` records.
///
/// **Fair shares.** A source may use any free room. When the store is full, a new value takes
/// the room of the oldest values of the source holding the most bytes, as long as that source
/// would still hold more than the storer; otherwise the store is refused. Room is always taken
/// from the top, so holdings settle at max-min fair shares: a flood from one source fills only
/// what nobody else wants and can never lock others out, and an honest source below the flood's
/// share loses nothing. A key's value limit is shared the same way, by count among the key's values.
///
/// **Memory.** A value costs its bytes, its key's and ``recordOverhead`` (what the tables spend
/// per value), so the budget bounds memory rather than payload.
struct ValueStore: Sendable {
    /// Who stored a value: an IP address, or an address and port on loopback (see
    /// ``NodeAddress/source``); nil for values of unknown origin (this node's own).
    typealias Source = NodeAddress?

    struct Record: Sendable, Equatable {
        let key: NodeID
        let value: [UInt8]
        var refreshedAt: Timestamp
        var source: Source = nil
    }

    /// What a store did: whether the value is held now, and what it pushed out to make room.
    struct Outcome: Sendable, Equatable {
        var stored: Bool
        var evicted: [Record] = []
    }

    private struct Slot: Sendable {
        let value: [UInt8]
        var refreshedAt: Timestamp
        var source: Source
    }

    /// Memory the tables spend on one value besides its bytes and its key's: the value's
    /// allocation header, its slot and its place in the age order and the key table.
    static let recordOverhead = 192

    /// Bytes all values may cost together (see ``cost(of:)``).
    let maxBytes: Int
    /// How many values one key may hold.
    let maxValuesPerKey: Int

    private var table: [NodeID: [Slot]] = [:]
    private var ledger = SourceLedger()
    /// What the values held cost together.
    private(set) var usedBytes = 0
    private(set) var valueCount = 0

    init(maxBytes: Int = 64 << 20, maxValuesPerKey: Int = 256) {
        self.maxBytes = maxBytes
        self.maxValuesPerKey = maxValuesPerKey
    }

    /// What a value counts against the budget.
    static func cost(of value: [UInt8]) -> Int { value.count + NodeID.byteCount + recordOverhead }

    var keyCount: Int { table.count }

    /// How many sources hold values here.
    var sourceCount: Int { ledger.sourceCount }

    /// What `source`'s values cost together.
    func bytes(of source: Source) -> Int { ledger.bytes(of: source) }

    /// Stores or refreshes a value for `source`, making room by the fair-share rule when full.
    @discardableResult
    mutating func store(_ value: [UInt8], at key: NodeID, from source: Source = nil, now: Timestamp) -> Outcome {
        let cost = Self.cost(of: value)
        if let index = table[key]?.firstIndex(where: { $0.value == value }) {
            let previous = table[key]![index]
            table[key]![index].refreshedAt = now
            table[key]![index].source = source
            let item = SourceLedger.Item(key: key, value: value, refreshedAt: now)
            let crowded: Bool
            if previous.source == source {
                crowded = ledger.enqueue(item, for: source)
            } else {
                ledger.credit(cost, from: previous.source)
                crowded = ledger.charge(cost, for: item, to: source)
            }
            if crowded { sweep(source) }
            return Outcome(stored: true)
        }
        guard cost <= maxBytes else { return Outcome(stored: false) }
        var outcome = Outcome(stored: false)
        if count(at: key) >= maxValuesPerKey {
            guard let victim = keyVictim(at: key, for: source) else { return outcome }
            outcome.evicted.append(remove(victim))
        }
        while usedBytes + cost > maxBytes {
            guard let largest = ledger.largest(), largest != source,
                  ledger.bytes(of: largest) > ledger.bytes(of: source) + cost,
                  let victim = oldest(of: largest) else { return outcome }
            outcome.evicted.append(remove(Record(key: victim.key, value: victim.value, refreshedAt: victim.refreshedAt,
                                                 source: largest)))
        }
        table[key, default: []].append(Slot(value: value, refreshedAt: now, source: source))
        usedBytes += cost
        valueCount += 1
        if ledger.charge(cost, for: .init(key: key, value: value, refreshedAt: now), to: source) { sweep(source) }
        outcome.stored = true
        return outcome
    }

    /// Takes every value under `key` out; returns them.
    mutating func removeAll(at key: NodeID) -> [Record] {
        (table[key] ?? []).map { slot in
            remove(Record(key: key, value: slot.value, refreshedAt: slot.refreshedAt, source: slot.source))
        }
    }

    /// Takes out `value` under `key` if `source` stored it (the rule quotas use: what a source
    /// stored is its own); returns it, or nil when it is not here or another source's.
    mutating func remove(_ value: [UInt8], at key: NodeID, storedBy source: Source) -> Record? {
        guard let slot = table[key]?.first(where: { $0.value == value }), slot.source == source else { return nil }
        return remove(Record(key: key, value: value, refreshedAt: slot.refreshedAt, source: source))
    }

    /// The keys that hold values.
    var keys: [NodeID] { Array(table.keys) }

    func count(at key: NodeID) -> Int { table[key]?.count ?? 0 }

    func contains(_ value: [UInt8], at key: NodeID) -> Bool { table[key]?.contains { $0.value == value } ?? false }

    /// The values under a key, newest first.
    func values(at key: NodeID) -> [[UInt8]] {
        (table[key] ?? []).sorted { $0.refreshedAt > $1.refreshedAt }.map(\.value)
    }

    var records: [Record] {
        table.flatMap { key, slots in
            slots.map { Record(key: key, value: $0.value, refreshedAt: $0.refreshedAt, source: $0.source) }
        }
    }

    /// Drops values not refreshed since `cutoff`; returns what was dropped.
    mutating func expire(before cutoff: Timestamp) -> [Record] {
        var expired: [Record] = []
        for (key, slots) in table where slots.contains(where: { $0.refreshedAt < cutoff }) {
            for slot in slots where slot.refreshedAt < cutoff {
                expired.append(remove(Record(key: key, value: slot.value, refreshedAt: slot.refreshedAt,
                                             source: slot.source)))
            }
        }
        return expired
    }

    /// The value a full key gives up for `source`: the oldest of the source holding the most
    /// values there, if that is not `source` and it would still hold more after the store.
    private func keyVictim(at key: NodeID, for source: Source) -> Record? {
        guard let slots = table[key] else { return nil }
        var counts: [Source: Int] = [:]
        for slot in slots { counts[slot.source, default: 0] += 1 }
        guard let (largest, held) = counts.max(by: { $0.value < $1.value }), largest != source,
              held > (counts[source] ?? 0) + 1,
              let oldest = slots.filter({ $0.source == largest }).min(by: { $0.refreshedAt < $1.refreshedAt })
        else { return nil }
        return Record(key: key, value: oldest.value, refreshedAt: oldest.refreshedAt, source: largest)
    }

    /// Takes a value out of the table and its source's account; returns it.
    private mutating func remove(_ record: Record) -> Record {
        table[record.key]?.removeAll { $0.value == record.value }
        if table[record.key]?.isEmpty == true { table[record.key] = nil }
        let cost = Self.cost(of: record.value)
        usedBytes -= cost
        valueCount -= 1
        ledger.credit(cost, from: record.source)
        return record
    }

    /// The oldest value `source` holds; stale items in front of it in the age order go.
    private mutating func oldest(of source: Source) -> SourceLedger.Item? {
        while let item = ledger.front(of: source) {
            if isCurrent(item, of: source) { return item }
            ledger.dropFront(of: source)
        }
        return nil
    }

    /// Drops the stale items of `source`'s age order.
    private mutating func sweep(_ source: Source) {
        let table = table
        ledger.sweep(source) { item in Self.isCurrent(item, of: source, in: table) }
    }

    /// Whether a queued item of `source` is still the value it names, as last stored by `source`.
    private func isCurrent(_ item: SourceLedger.Item, of source: Source) -> Bool {
        Self.isCurrent(item, of: source, in: table)
    }

    private static func isCurrent(_ item: SourceLedger.Item, of source: Source, in table: [NodeID: [Slot]]) -> Bool {
        table[item.key]?.contains { $0.value == item.value && $0.source == source && $0.refreshedAt == item.refreshedAt }
            ?? false
    }
}
