/// Addresses of nodes heard from lately, newest first, at most `capacity` of them.
///
/// The routing table keeps only good nodes, a few per bucket; this remembers every node
/// that answered or queried us, so a person can re-join one by address (the shell
/// completes `join` from it).
struct RecentAddresses: Sendable {
    let capacity: Int
    private(set) var addresses: [NodeAddress] = []

    init(capacity: Int = 64) { self.capacity = capacity }

    /// Moves `address` to the front, dropping the oldest when full.
    mutating func note(_ address: NodeAddress) {
        if addresses.first == address { return }
        addresses.removeAll { $0 == address }
        addresses.insert(address, at: 0)
        if addresses.count > capacity { addresses.removeLast(addresses.count - capacity) }
    }

    /// Drops the addresses that `matches` (a ban, a `forget`).
    mutating func removeAll(where matches: (NodeAddress) -> Bool) {
        addresses.removeAll(where: matches)
    }
}
