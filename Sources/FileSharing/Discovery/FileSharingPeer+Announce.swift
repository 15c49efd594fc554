import PeerKit
import Foundation

/// Keeping the network told: shared files are announced (providers under the content's
/// info hash, `announce_peer`; the name's record in the multi-valued store) and announced
/// again before the records expire; the share directory is rescanned now and then.
extension FileSharingPeer {
    /// The background loop: announce what is due, rescan when due. Wakes every 2 s while
    /// some file has not yet been taken by any node (a node that just joined announces
    /// within seconds), otherwise every 30 s.
    func maintain() async {
        while !Task.isCancelled {
            if ContinuousClock.now - lastRescan >= configuration.rescanInterval {
                await rescan()
            }
            await announceDue()
            try? await Task.sleep(for: .seconds(await hasUnannouncedFiles() ? 2 : 30))
        }
    }

    /// Announces what is due in the background, after any announcement still running: a file
    /// just shared or fetched is offered to the network at once, and its command does not wait.
    func announceSoon() {
        let previous = announcing
        announcing = Task {
            await previous?.value
            guard !Task.isCancelled else { return }
            await announceDue()
        }
    }

    /// Rescans the share directory; new files are announced by the next ``announceDue()``.
    func rescan() async {
        lastRescan = ContinuousClock.now
        guard let index else { return }
        do {
            _ = try await index.scan()
        } catch {
            logger.warning("cannot rescan the share directory", metadata: ["error": "\(error)"])
        }
    }

    /// Whether some shared file has not yet been taken by any node.
    private func hasUnannouncedFiles() async -> Bool {
        guard configuration.announces, let index else { return false }
        return await index.files.contains { (announcements[$0.path]?.acknowledgements ?? 0) == 0 }
    }

    /// Announces every shared file that was never taken by a node, or not for
    /// ``SharingConfiguration/announceInterval``; returns how many files were announced.
    @discardableResult
    func announceDue() async -> Int {
        guard configuration.announces, let index, httpPort > 0, !(await node.routingTable().isEmpty) else { return 0 }
        let now = ContinuousClock.now
        let files = await index.files
        let current = Set(files.map(\.path))
        for path in announcements.keys where !current.contains(path) { announcements[path] = nil }
        let due = files.filter { file in
            guard let last = announcements[file.path] else { return true }
            return last.acknowledgements == 0 || now - last.at >= configuration.announceInterval
        }
        let node = self.node, port = UInt16(httpPort)
        var announced = 0
        await withTaskGroup(of: (String, Int).self) { group in
            var pending = due[...]
            func addNext() {
                guard let file = pending.popFirst() else { return }
                group.addTask {
                    let record = NameRecord(sha256: file.sha256, size: file.size)
                    async let providers = node.announceProvider(of: NameRecord.infoHash(sha256: file.sha256), port: port)
                    async let names = node.publish(record.encoded, at: NameRecord.key(for: file.path))
                    return (file.path, await providers + (await names).storedOn.count)
                }
            }
            for _ in 0..<4 { addNext() }
            for await (path, acknowledgements) in group {
                announcements[path] = Announcement(at: now, acknowledgements: acknowledgements)
                if acknowledgements > 0 { announced += 1 }
                addNext()
            }
        }
        return announced
    }
}
