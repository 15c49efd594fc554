/// A change to the values kept on disk, as the protocol engine asks for it.
enum ValueChange: Sendable, Equatable {
    case save(ValueStore.Record, in: ValueTable)
    case delete(ValueStore.Record, from: ValueTable)

    /// Which stored row the change is about: a table, a key and a value.
    struct Row: Hashable, Sendable {
        let table: ValueTable
        let key: NodeID
        let value: [UInt8]
    }

    var row: Row {
        switch self {
        case .save(let record, let table), .delete(let record, let table):
            Row(table: table, key: record.key, value: record.value)
        }
    }
}
