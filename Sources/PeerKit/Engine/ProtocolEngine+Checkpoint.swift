/// The part of a checkpoint that needs the network or the disk, for ``Node`` to run.
struct MaintenanceWork: Sendable {
    /// Values this node published that are older than KEY_REFRESH: publish them again.
    var republish: [ValueStore.Record]
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
        providing = providing.filter { now - $0.value.at <= configuration.peerExpire }
        nextCheckpoint = now + configuration.checkpointInterval * Double.random(in: 0.9...1.1, using: &random)
        let refreshCutoff = now - configuration.keyRefresh
        let due = table.count == 0 ? [] : publishedValues.records.filter { $0.refreshedAt <= refreshCutoff }
        let stale = table.staleBuckets(now: now, staleness: configuration.bucketStaleness)
        output.maintenance = MaintenanceWork(republish: due,
                                             refreshTargets: stale.map { table.randomID(inBucket: $0, using: &random) })
    }

    /// Remembers that this node published a value now, so that it is republished.
    mutating func recordPublished(_ value: [UInt8], at key: NodeID, now: Timestamp) {
        publishedValues.store(value, at: key, now: now)
        output.valueChanges.append(.save(.init(key: key, value: value, refreshedAt: now), in: .published))
    }
}
