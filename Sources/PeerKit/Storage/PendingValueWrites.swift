/// Value changes waiting for the database, coalesced.
///
/// The node writes one batch at a time, in one transaction, and gathers what arrives meanwhile
/// here. Only the last change to a row matters (a value stored, refreshed and evicted while a
/// batch was being written is one delete), so however fast stores arrive and however slow the
/// disk, what waits is bounded by the values held and dropped, and the batches grow instead of
/// a queue of writes.
struct PendingValueWrites: Sendable {
    private var changes: [ValueChange.Row: ValueChange] = [:]

    var isEmpty: Bool { changes.isEmpty }
    var count: Int { changes.count }

    mutating func add(_ new: [ValueChange]) {
        for change in new { changes[change.row] = change }
    }

    /// Everything waiting, as one batch (rows are distinct, so their order does not matter).
    mutating func take() -> [ValueChange] {
        defer { changes = [:] }
        return Array(changes.values)
    }
}
