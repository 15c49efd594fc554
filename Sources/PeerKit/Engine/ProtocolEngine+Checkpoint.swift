/// The part of a checkpoint that needs the network or the disk, for ``Node`` to run.
struct MaintenanceWork: Sendable {
    /// Values this node published that are older than KEY_REFRESH: publish them again.
    var republish: [ValueStore.Record]
    /// Items this node put that are older than the item refresh: put them again.
    var reputItems: [Item] = []
    /// One random id in each bucket untouched for BUCKET_STALENESS: look them up.
    var refreshTargets: [NodeID]
}

/// Khashmir's checkpoint: periodic upkeep of tokens, values and buckets.
extension ProtocolEngine {
    /// Rotates the token secret, expires old values and announcements, and schedules the
    /// next checkpoint with ±10% jitter; what needs the network (republishing, refreshing
    /// stale buckets) and saving the table go to ``Output/maintenance``.
    mutating func checkpoint(now: Timestamp) {
        tokens.rotateIfDue(now: now, using: &random)
        let expired = storedValues.expire(before: now - configuration.keyExpire)
        output.valueChanges += expired.map { .delete($0, from: .stored) }
        _ = announcedPeers.expire(before: now - configuration.peerExpire)
        output.valueChanges += storedItems.expire(before: now - configuration.itemExpire).map { .delete($0, from: .items) }
        providing = providing.filter { now - $0.value.at <= configuration.peerExpire }
        listens.expire(now: now)
        nextCheckpoint = now + configuration.checkpointInterval * Double.random(in: 0.9...1.1, using: &random)
        let refreshCutoff = now - configuration.keyRefresh
        let due = table.count == 0 ? [] : publishedValues.records.filter { $0.refreshedAt <= refreshCutoff }
        let stale = table.staleBuckets(now: now, staleness: configuration.bucketStaleness)
        let itemsDue = table.count == 0 ? [] : publishedItems.records.filter { $0.refreshedAt <= now - configuration.itemRefresh }
        output.maintenance = MaintenanceWork(republish: due,
                                             reputItems: itemsDue.compactMap { Item(storageBytes: $0.value) },
                                             refreshTargets: stale.map { table.randomID(inBucket: $0, using: &random) })
    }

    /// Remembers that this node put an item now, so that it puts it again before it expires;
    /// a mutable item replaces the older version it had put.
    mutating func recordPublished(_ item: Item, now: Timestamp) {
        let bytes = item.storageBytes
        let replaced = publishedItems.contains(bytes, at: item.target) ? [] : publishedItems.removeAll(at: item.target)
        output.valueChanges += replaced.map { .delete($0, from: .publishedItems) }
        publishedItems.store(bytes, at: item.target, now: now)
        output.valueChanges.append(.save(.init(key: item.target, value: bytes, refreshedAt: now), in: .publishedItems))
    }

    /// The item this node put under `target`, if any.
    func publishedItem(at target: NodeID) -> Item? {
        publishedItems.values(at: target).first.flatMap(Item.init(storageBytes:))
    }

    /// Stops republishing this node's `values` under `key` and drops them here.
    mutating func withdraw(_ values: [[UInt8]], at key: NodeID) {
        let removed = values.compactMap { publishedValues.remove($0, at: key, storedBy: nil) }
        output.valueChanges += removed.map { .delete($0, from: .published) }
    }

    /// Remembers that this node published a value now, so that it is republished.
    mutating func recordPublished(_ value: [UInt8], at key: NodeID, now: Timestamp) {
        publishedValues.store(value, at: key, now: now)
        output.valueChanges.append(.save(.init(key: key, value: value, refreshedAt: now), in: .published))
    }
}
