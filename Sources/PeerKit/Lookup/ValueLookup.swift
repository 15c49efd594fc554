/// Which nodes a get reads values from, and when it stops (Khashmir's RETRIEVE_VALUES).
enum RetrieveValues: Sendable, Equatable {
    /// Every value from every one of the K closest nodes that has some (RETRIEVE_VALUES = 0).
    case all
    /// Stop once this many distinct values are in (RETRIEVE_VALUES > 0).
    case atMost(Int)
    /// Up to this many values, read only from the STORE_REDUNDANCY closest nodes that answered
    /// (RETRIEVE_VALUES < 0; apt-p2p's default was −10000).
    case fromClosest(Int)

    /// How many distinct values a get keeps at most.
    var limit: Int {
        switch self {
        case .all: .max
        case .atMost(let count), .fromClosest(let count): count
        }
    }
}

/// The get half of value operations, after a find-value traversal: pure logic.
enum ValueLookup {
    /// The responders a get reads values from, by `policy`: those that hold some, among the K
    /// closest (or the `storeRedundancy` closest, for ``RetrieveValues/fromClosest(_:)``).
    static func holders(in closest: [Responder], policy: RetrieveValues, storeRedundancy: Int) -> [Responder] {
        let readable = if case .fromClosest = policy { Array(closest.prefix(storeRedundancy)) } else { closest }
        return readable.filter { $0.reply.valueCount > 0 || !$0.reply.values.isEmpty }
    }

    /// The holders whose answers did not carry all they hold: asked again with `get_value`.
    static func holdersOfMoreValues(in closest: [Responder], policy: RetrieveValues, storeRedundancy: Int) -> [Contact] {
        holders(in: closest, policy: policy, storeRedundancy: storeRedundancy)
            .filter { $0.reply.valueCount > $0.reply.values.count }.map(\.contact)
    }
}

/// Collects values from several nodes, keeping the first copy of each.
struct ValueMerger: Sendable {
    let limit: Int
    private(set) var values: [[UInt8]] = []
    private var seen: Set<[UInt8]> = []

    init(limit: Int) { self.limit = limit }

    var isFull: Bool { values.count >= limit }

    mutating func add(_ batch: [[UInt8]]) {
        for value in batch where !isFull && seen.insert(value).inserted { values.append(value) }
    }
}
