import NIOCore

/// Periodic upkeep: Khashmir's checkpoint.
extension Node {
    func scheduleCheckpoint(after seconds: Double) {
        guard !closed else { return }
        checkpointTask = eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            Task { await self.checkpoint() }
        }
    }

    /// Rotates the token secret, expires old values, saves state, republishes our values
    /// and refreshes stale buckets; then schedules the next checkpoint with ±10% jitter.
    func checkpoint() async {
        guard !closed else { return }
        let started = now
        tokens.rotateIfDue(now: started, using: &random)
        let expired = storedValues.expire(before: started.addingTimeInterval(-configuration.keyExpire))
        database.deleteValues(expired, from: .stored, onError: storageErrorLogger)
        _ = announcedPeers.expire(before: started.addingTimeInterval(-configuration.peerExpire))
        await saveState()
        let jitter = Double.random(in: 0.9...1.1, using: &random)
        scheduleCheckpoint(after: configuration.checkpointInterval * jitter)
        await republishDueValues()
        await refreshStaleBuckets()
    }

    /// Republishes values this node stored that are older than KEY_REFRESH.
    func republishDueValues() async {
        let cutoff = now.addingTimeInterval(-configuration.keyRefresh)
        for record in publishedValues.records where record.refreshedAt <= cutoff && table.count > 0 {
            let result = await publish(record.value, at: record.key)
            guard !result.storedOn.isEmpty else { continue }
            recordPublished(record.value, at: record.key)
        }
    }

    /// Looks up a random id in each bucket untouched for BUCKET_STALENESS.
    func refreshStaleBuckets() async {
        for index in table.staleBuckets(now: now, staleness: configuration.bucketStaleness)
        where index < table.buckets.count && !closed {
            _ = await findNodes(near: table.randomID(inBucket: index, using: &random))
        }
    }

    /// After a restart: ping every reloaded node (failures count against it), then fill the table.
    func refreshReloadedTable() async {
        let reloaded = table.entries
        await withTaskGroup(of: Void.self) { group in
            for entry in reloaded {
                group.addTask { _ = await self.query(.ping, to: entry.address, expecting: entry.id) }
            }
        }
        if table.count > 0 { await fillTable() }
    }

    func saveState() async {
        do {
            try await database.saveContacts(table.entries)
            await database.flush()
        } catch {
            logger.error("cannot save the routing table", metadata: ["error": "\(error)"])
        }
    }
}
