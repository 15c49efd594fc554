/// The checkpoint's half that needs the network and the disk.
extension Node {
    /// Saves the routing table, republishes values older than KEY_REFRESH, puts own items again
    /// hourly and looks up a
    /// random id in each stale bucket. A checkpoint that finds the previous one still
    /// running leaves it be.
    func startMaintenance(_ work: MaintenanceWork) {
        guard !closed, maintenance == nil else { return }
        maintenance = Task {
            await saveState()
            for record in work.republish where !Task.isCancelled {
                let result = await publish(record.value, at: record.key)
                if !result.storedOn.isEmpty { engine.recordPublished(record.value, at: record.key, now: now) }
            }
            for item in work.reputItems where !Task.isCancelled {
                _ = try? await put(item, lookedUp: nil)
            }
            for target in work.refreshTargets where !Task.isCancelled {
                _ = await findNodes(near: target)
            }
            maintenance = nil
        }
    }

    /// After a restart: ping every reloaded node (failures count against it), then fill the table.
    func refreshReloadedTable() async {
        let reloaded = engine.table.entries
        await withTaskGroup(of: Void.self) { group in
            for entry in reloaded {
                group.addTask { _ = await self.query(.ping, to: entry.address, expecting: entry.id) }
            }
        }
        if engine.table.count > 0 {
            await fillTable()
            await publishKeptValues()
        }
    }
}
