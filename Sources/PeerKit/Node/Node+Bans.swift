import NIOCore

/// The operator's hand on the routing table: bans, and forgetting a node.
extension Node {
    /// Bans `rule` for `duration` (nil: until ``unban(_:)``), here and across restarts: a banned
    /// source gets no answer, is never queried, never handed out and never kept in the table.
    ///
    /// - Returns: the routing-table entries the ban removed.
    /// - Throws: ``NodeError/storage(_:)`` when the list is full or the ban could not be saved
    ///   (it is in force until the node stops, all the same).
    @discardableResult
    public func ban(_ rule: BanRule, for duration: Duration? = nil) async throws(NodeError) -> [NodeEntry] {
        guard let removed = engine.ban(rule, until: duration.map { now + $0 }, now: now) else {
            throw .storage("\(BanList.capacity.formatted()) bans are in force already: lift some with 'unban', or ban a network (ADDRESS/PREFIX)")
        }
        process(engine.takeOutput())
        armTimer()
        try await savedBans()
        return removed
    }

    /// Lifts a ban; false when `rule` was not banned.
    public func unban(_ rule: BanRule) async throws(NodeError) -> Bool {
        guard engine.unban(rule) else { return false }
        process(engine.takeOutput())
        try await savedBans()
        return true
    }

    /// The bans in force, sorted as typed.
    public func bans() -> [BanRecord] {
        engine.banRecords.map { BanRecord(rule: $0.rule, expiresAt: $0.until?.date) }
    }

    /// Whether a host or network ban covers the host of `address` (a TCP client of the file
    /// server: a socket ban is of one UDP socket, and does not). Read from any thread, without a
    /// hop onto the node: the file server asks it for every connection.
    package nonisolated func bans(_ address: SocketAddress) -> Bool {
        guard let client = NodeAddress(address) else { return false }
        let host = NodeAddress(host: client.host, port: 0)
        return banMirror.withLock { $0.covers(host) }
    }

    /// Drops the node at `address` from the routing table and from the nodes heard from lately.
    /// It comes back if it answers again; ``ban(_:for:)`` keeps it out. Returns what was dropped.
    public func forget(_ address: NodeAddress) -> [NodeEntry] {
        engine.forget(address: address)
    }

    /// Drops the node with `id` from the routing table and from the nodes heard from lately.
    public func forget(_ id: NodeID) -> [NodeEntry] {
        engine.forget(id: id)
    }

    /// Writes the bans as they are when the write runs, after any write before it.
    func saveBans() {
        let previous = banSaving
        banSaving = Task {
            await previous?.value
            do {
                try await database.saveBans(engine.banRecords)
                banSaveFailure = nil
            } catch {
                banSaveFailure = "\(error)"
                logger.error("cannot save the bans", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits for the bans to reach the database; throws when they could not.
    private func savedBans() async throws(NodeError) {
        await banSaving?.value
        if let failure = banSaveFailure {
            throw .storage("the ban is in force, but could not be saved, so it ends when p2psh stops: \(failure)")
        }
    }
}
