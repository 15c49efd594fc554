import Foundation

/// The Kademlia routing table: K-node buckets indexed by shared-prefix length with our id.
///
/// Bucket `i` holds the nodes whose id shares exactly `i` leading bits with ours;
/// the last bucket holds everything closer. Only the last bucket (the one that
/// holds our own id) splits, so the table keeps fine detail near us and K nodes
/// per distance band elsewhere. This is pure state: pinging a stale node, or
/// refreshing a bucket, is the caller's I/O, driven by what these methods return.
struct RoutingTable: Sendable {
    /// What an insertion did.
    enum InsertResult: Equatable {
        case added
        /// Known already: moved to the most-recently-seen end.
        case refreshed
        /// The bucket is full and may not split. `oldest` is its least recently seen
        /// node: the caller may ping it, and on failure call ``replace(_:with:now:)``.
        case bucketFull(oldest: NodeEntry)
        /// Our own id, or an id already known at another address.
        case ignored
    }

    let ownID: NodeID
    let k: Int
    /// The most entries the table holds (`--max-peers`); a full table keeps newcomers only
    /// as replacement candidates.
    let capacity: Int
    private(set) var buckets: [Bucket]
    /// Nodes added and removed since the table was made: the node saves the table when this
    /// has grown much since the last save.
    private(set) var changes = 0

    init(ownID: NodeID, k: Int = 8, capacity: Int = .max, now: Timestamp) {
        self.ownID = ownID
        self.k = k
        self.capacity = capacity
        self.buckets = [Bucket(lastChanged: now)]
    }

    var count: Int { buckets.reduce(0) { $0 + $1.entries.count } }

    var entries: [NodeEntry] { buckets.flatMap(\.entries) }

    func bucketIndex(for id: NodeID) -> Int {
        min(id.distance(to: ownID).leadingZeroBitCount, buckets.count - 1)
    }

    func entry(for id: NodeID) -> NodeEntry? {
        let bucket = buckets[bucketIndex(for: id)]
        return bucket.index(of: id).map { bucket.entries[$0] }
    }

    /// The entries of the bucket `id` falls in.
    func bucket(of id: NodeID) -> [NodeEntry] { buckets[bucketIndex(for: id)].entries }

    /// The entry at `address`, whatever its id.
    func entry(at address: NodeAddress) -> NodeEntry? {
        for bucket in buckets {
            if let entry = bucket.entries.first(where: { $0.address == address }) { return entry }
        }
        return nil
    }

    /// Records a node that has answered us: adds it, refreshes it, or reports a full bucket.
    /// A new id at an address the table knows replaces the old entry, as libtorrent does: the
    /// node restarted with another id, and one endpoint is one node.
    mutating func insert(_ contact: Contact, now: Timestamp) -> InsertResult {
        guard contact.id != ownID else { return .ignored }
        if entry(for: contact.id) == nil, let stale = entry(at: contact.address) { remove(stale.id) }
        while true {
            let index = bucketIndex(for: contact.id)
            if let position = buckets[index].index(of: contact.id) {
                guard buckets[index].entries[position].address == contact.address else { return .ignored }
                buckets[index].markSeen(at: position, now: now)
                return .refreshed
            }
            if capacity != .max, count >= capacity {
                buckets[index].addReplacement(contact, now: now, limit: k)
                return .ignored
            }
            if buckets[index].entries.count < k {
                buckets[index].entries.append(NodeEntry(contact: contact, seenAt: now, failures: 0))
                changes += 1
                buckets[index].lastChanged = now
                return .added
            }
            guard index == buckets.count - 1, buckets.count < NodeID.bitCount else {
                buckets[index].addReplacement(contact, now: now, limit: k)
                return .bucketFull(oldest: buckets[index].entries[0])
            }
            splitLastBucket(now: now)
        }
    }

    /// Would ``insert(_:now:)`` add this node without evicting anyone?
    func hasRoom(for id: NodeID) -> Bool {
        guard id != ownID else { return false }
        guard capacity == .max || count < capacity else { return false }
        let index = bucketIndex(for: id)
        return buckets[index].entries.count < k || (index == buckets.count - 1 && buckets.count < NodeID.bitCount)
    }

    /// Replaces a node that failed its liveness ping with the newcomer that was waiting for its place.
    mutating func replace(_ oldID: NodeID, with contact: Contact, now: Timestamp) {
        remove(oldID)
        _ = insert(contact, now: now)
    }

    /// Updates last-seen for a node already in the table (for example when it queries us).
    mutating func touch(_ contact: Contact, now: Timestamp) {
        let index = bucketIndex(for: contact.id)
        if let position = buckets[index].index(of: contact.id), buckets[index].entries[position].address == contact.address {
            buckets[index].markSeen(at: position, now: now)
        }
    }

    /// Counts a failed query; at `maxFailures` the node leaves the table, and the newest node of
    /// its bucket's replacement cache takes its place if it was seen since `freshSince`. Older
    /// candidates are dropped: after a mass departure they are as likely gone as the node they
    /// would replace, and each would hold its slot for another round of failed pings.
    /// Returns true if the node was removed.
    @discardableResult
    mutating func recordFailure(_ id: NodeID, maxFailures: Int, freshSince: Timestamp) -> Bool {
        let index = bucketIndex(for: id)
        guard let position = buckets[index].index(of: id) else { return false }
        buckets[index].entries[position].failures += 1
        guard buckets[index].entries[position].failures >= maxFailures else { return false }
        buckets[index].entries.remove(at: position)
        changes += 1
        buckets[index].promoteReplacement(freshSince: freshSince)
        mergeTailBuckets()
        return true
    }

    /// Up to `limit` nodes to check, leaving out `excluded`: first those whose last query failed
    /// (a live node that missed one answer is handed out by nobody until it answers again, so it
    /// must not wait for LIVENESS_AGE to be asked), then those not heard from since `cutoff`,
    /// least recently seen first.
    func dueForPing(before cutoff: Timestamp, excluding excluded: Set<NodeID>, limit: Int) -> [NodeEntry] {
        guard limit > 0 else { return [] }
        return entries.filter { ($0.failures > 0 || $0.seenAt < cutoff) && !excluded.contains($0.id) }
            .sorted { ($0.failures > 0 ? 0 : 1, $0.seenAt) < ($1.failures > 0 ? 0 : 1, $1.seenAt) }
            .prefix(limit).map { $0 }
    }

    mutating func remove(_ id: NodeID) {
        let index = bucketIndex(for: id)
        guard let position = buckets[index].index(of: id) else { return }
        buckets[index].entries.remove(at: position)
        changes += 1
        mergeTailBuckets()
    }

    /// Drops every entry and replacement candidate that `matches` (a ban, a `forget`); returns
    /// the entries dropped. Freed places stay free: the next good node to answer fills them.
    @discardableResult
    mutating func removeAll(where matches: (Contact) -> Bool) -> [NodeEntry] {
        var removed: [NodeEntry] = []
        for index in buckets.indices {
            let dropped = buckets[index].entries.filter { matches($0.contact) }
            removed += dropped
            changes += dropped.count
            buckets[index].entries.removeAll { matches($0.contact) }
            buckets[index].replacements.removeAll { matches($0.contact) }
        }
        if !removed.isEmpty { mergeTailBuckets() }
        return removed
    }

    /// The `count` known nodes closest to `target`, closest first, among those `include` accepts.
    func closest(to target: NodeID, count: Int, where include: (NodeEntry) -> Bool = { _ in true }) -> [NodeEntry] {
        var best: [(distance: NodeID, entry: NodeEntry)] = []
        best.reserveCapacity(count + 1)
        for bucket in buckets {
            for entry in bucket.entries where include(entry) {
                let distance = entry.id.distance(to: target)
                if best.count == count, let last = best.last, !(distance < last.distance) { continue }
                let position = best.firstIndex { distance < $0.distance } ?? best.endIndex
                best.insert((distance, entry), at: position)
                if best.count > count { best.removeLast() }
            }
        }
        return best.map(\.entry)
    }

    /// Marks the bucket covering `target` as recently looked up.
    mutating func markLookedUp(_ target: NodeID, now: Timestamp) {
        buckets[bucketIndex(for: target)].lastChanged = now
    }

    /// Indexes of buckets untouched for longer than `staleness`.
    func staleBuckets(now: Timestamp, staleness: Duration) -> [Int] {
        buckets.indices.filter { now - buckets[$0].lastChanged > staleness }
    }

    /// A random id that falls in bucket `index`: the target of a refresh lookup.
    func randomID(inBucket index: Int, using generator: inout some RandomNumberGenerator) -> NodeID {
        if index == buckets.count - 1 { return ownID.keepingPrefix(index, restFrom: NodeID.random(using: &generator)) }
        return ownID.randomID(sharingPrefix: index, using: &generator)
    }

    /// An estimate of how many nodes the whole network has.
    ///
    /// Khashmir used K·2^(buckets−1), which is coarse by a factor of two. Here the
    /// estimate comes from how much of the id space the K nodes closest to us
    /// cover: the i-th closest node is expected at distance i/(n+1) of the space.
    var estimatedNetworkSize: Int {
        let nearest = closest(to: ownID, count: k)
        guard !nearest.isEmpty else { return 1 }
        var numerator = 0.0, denominator = 0.0
        for (rank, entry) in nearest.enumerated() {
            let fraction = entry.id.distance(to: ownID).fractionOfSpace
            numerator += Double(rank + 1) * fraction
            denominator += fraction * fraction
        }
        guard denominator > 0 else { return count + 1 }
        return max(count + 1, Int((numerator / denominator).rounded()))
    }

    private mutating func splitLastBucket(now: Timestamp) {
        let depth = buckets.count - 1
        var near = Bucket(lastChanged: buckets[depth].lastChanged)
        buckets[depth].entries.removeAll { entry in
            guard entry.id.distance(to: ownID).leadingZeroBitCount > depth else { return false }
            near.entries.append(entry)
            return true
        }
        buckets[depth].replacements.removeAll { entry in
            guard entry.id.distance(to: ownID).leadingZeroBitCount > depth else { return false }
            near.replacements.append(entry)
            return true
        }
        buckets.append(near)
    }

    /// Folds the last bucket back when it and the one before it together fit in one.
    private mutating func mergeTailBuckets() {
        while buckets.count > 1,
              buckets[buckets.count - 1].entries.count + buckets[buckets.count - 2].entries.count <= k {
            let tail = buckets.removeLast()
            buckets[buckets.count - 1].entries = (buckets[buckets.count - 1].entries + tail.entries)
                .sorted { $0.seenAt < $1.seenAt }
            buckets[buckets.count - 1].replacements = (buckets[buckets.count - 1].replacements + tail.replacements)
                .sorted { $0.seenAt < $1.seenAt }.suffix(k).map { $0 }
            buckets[buckets.count - 1].lastChanged = max(buckets[buckets.count - 1].lastChanged, tail.lastChanged)
        }
    }
}
