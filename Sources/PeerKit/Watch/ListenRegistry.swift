/// The nodes that asked to hear of new values under a key (`listen`), until their
/// registrations expire: OpenDHT's listen, over KRPC.
///
/// A registration lasts ``lifetime`` unless renewed; a source (an IP address; address and port
/// on loopback) holds at most ``perSource`` of them and the registry ``capacity``, so listens
/// cannot fill memory. Each needs a write token, so a forged source cannot point notifications
/// at a third party.
struct ListenRegistry: Sendable {
    /// How long a registration lasts without being renewed.
    static let lifetime: Duration = .seconds(120)
    /// Registrations one source may hold.
    static let perSource = 64
    /// Registrations held in all.
    static let capacity = 20_000

    private var byKey: [NodeID: [NodeAddress: Timestamp]] = [:]
    private var bySource: [NodeAddress: Int] = [:]
    private(set) var count = 0

    /// Registers or renews `watcher` for `key` until `now` + ``lifetime``; false when its source,
    /// or the registry, holds as many as it may.
    mutating func register(_ watcher: NodeAddress, for key: NodeID, now: Timestamp) -> Bool {
        let end = now + Self.lifetime
        if byKey[key]?[watcher] != nil {
            byKey[key]![watcher] = end
            return true
        }
        guard bySource[watcher.source, default: 0] < Self.perSource, count < Self.capacity else { return false }
        byKey[key, default: [:]][watcher] = end
        bySource[watcher.source, default: 0] += 1
        count += 1
        return true
    }

    /// The watchers of `key` whose registrations still run at `now`.
    func watchers(of key: NodeID, now: Timestamp) -> [NodeAddress] {
        (byKey[key] ?? [:]).filter { $0.value > now }.map(\.key)
    }

    /// Drops the registrations that ended by `now` (the checkpoint calls it).
    mutating func expire(now: Timestamp) {
        for (key, watchers) in byKey {
            for (watcher, end) in watchers where end <= now {
                byKey[key]![watcher] = nil
                bySource[watcher.source]! -= 1
                if bySource[watcher.source] == 0 { bySource[watcher.source] = nil }
                count -= 1
            }
            if byKey[key]?.isEmpty == true { byKey[key] = nil }
        }
    }
}
