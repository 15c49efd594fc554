/// What `find_value` tells about one node: whether it will take a store, and how many values it holds.
struct FindValueReply: Sendable, Equatable {
    /// The write token for a later `store_value`; nil when the node cannot store (a mainline node).
    var token: [UInt8]?
    /// `num`: how many values the node holds under the key.
    var valueCount: Int
}

/// Which nodes a get asks for values, and when it stops (Khashmir's RETRIEVE_VALUES).
enum RetrieveValues: Sendable, Equatable {
    /// Every value from every one of the K closest nodes that has some (RETRIEVE_VALUES = 0).
    case all
    /// Stop once this many distinct values are in (RETRIEVE_VALUES > 0).
    case atMost(Int)
    /// Up to this many values, asked only of the STORE_REDUNDANCY closest nodes that answered
    /// (RETRIEVE_VALUES < 0; apt-p2p's default was −10000).
    case fromClosest(Int)
}

/// The get and store halves of value operations, after a find-value (or BEP 44 get) traversal.
///
/// Pure logic over injected query functions, like ``Traversal``.
enum ValueLookup {
    /// Asks the right responders for their values and merges them without duplicates.
    static func retrieve(
        from responders: [TraversalResult<FindValueReply>.Responder],
        policy: RetrieveValues,
        storeRedundancy: Int,
        getValue: @escaping @Sendable (Contact) async -> [[UInt8]]?
    ) async -> (values: [[UInt8]], sources: Int, queried: Int) {
        var holders = responders.filter { $0.reply.valueCount > 0 }.map(\.contact)
        var limit = Int.max
        switch policy {
        case .all: break
        case .atMost(let count): limit = count
        case .fromClosest(let count):
            limit = count
            let closestAnswering = Set(responders.prefix(storeRedundancy).map(\.contact.id))
            holders = holders.filter { closestAnswering.contains($0.id) }
        }
        var merged = ValueMerger(limit: limit)
        var sources = 0
        await withTaskGroup(of: [[UInt8]]?.self) { group in
            for holder in holders { group.addTask { await getValue(holder) } }
            for await answer in group {
                guard let values = answer else { continue }
                sources += 1
                merged.add(values)
                if merged.isFull { group.cancelAll(); break }
            }
        }
        return (merged.values, sources, holders.count)
    }

    /// Sends the value to the closest nodes that gave a token, closest first, until `redundancy`
    /// have acknowledged, moving on to the next closest when one fails or refuses. Returns the
    /// nodes that acknowledged. Values (`store_value`) and BEP 44 items (`put`) alike.
    static func store(
        to candidates: [(contact: Contact, token: [UInt8])],
        redundancy: Int,
        storeValue: @escaping @Sendable (Contact, [UInt8]) async -> Bool
    ) async -> (stored: [Contact], queried: Int) {
        var targets = candidates[...]
        var stored: [Contact] = []
        var queried = 0
        await withTaskGroup(of: (Contact, Bool).self) { group in
            var inFlight = 0
            while true {
                while inFlight + stored.count < redundancy, let (contact, token) = targets.popFirst() {
                    inFlight += 1
                    queried += 1
                    group.addTask { (contact, await storeValue(contact, token)) }
                }
                guard let (contact, acknowledged) = await group.next() else { break }
                inFlight -= 1
                if acknowledged { stored.append(contact) }
            }
        }
        return (stored, queried)
    }
}

/// Collects values from several nodes, keeping the first copy of each.
struct ValueMerger {
    let limit: Int
    private(set) var values: [[UInt8]] = []
    private var seen: Set<[UInt8]> = []

    init(limit: Int) { self.limit = limit }

    var isFull: Bool { values.count >= limit }

    mutating func add(_ batch: [[UInt8]]) {
        for value in batch where !isFull && seen.insert(value).inserted { values.append(value) }
    }
}
