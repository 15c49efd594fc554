/// Outstanding queries, keyed by 2-byte transaction id.
///
/// Ids count up from a random start and skip ids still in use, so a late reply
/// to a finished query cannot be taken for the answer to a new one for about
/// 65,000 queries.
struct TransactionTable<Pending> {
    private var pending: [UInt16: Pending] = [:]
    private var next: UInt16
    /// More than this many outstanding queries is refused rather than wrapped.
    let capacity: Int

    init(start: UInt16, capacity: Int = 16_384) {
        self.next = start
        self.capacity = capacity
    }

    /// A fresh id for a query to be stored with the subscript, or nil when the table is full.
    mutating func reserve() -> UInt16? {
        guard pending.count < capacity else { return nil }
        while pending[next] != nil { next &+= 1 }
        let id = next
        next &+= 1
        return id
    }

    /// Every pending query with its id.
    var entries: [(key: UInt16, value: Pending)] { pending.map { ($0.key, $0.value) } }

    var values: Dictionary<UInt16, Pending>.Values { pending.values }

    subscript(id: UInt16) -> Pending? {
        get { pending[id] }
        set { pending[id] = newValue }
    }

    mutating func remove(_ id: UInt16) -> Pending? { pending.removeValue(forKey: id) }

    static func bytes(_ id: UInt16) -> [UInt8] { [UInt8(id >> 8), UInt8(id & 0xFF)] }

    static func id(_ bytes: [UInt8]) -> UInt16? {
        bytes.count == 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : nil
    }
}
