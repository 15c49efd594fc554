import NIOCore

/// The engine bound to the socket and the clock: datagrams in and out, queries awaited, timers run.
extension Node {
    /// Called by ``DatagramHandler`` on the event loop for each datagram of a read burst.
    func receive(_ buffer: ByteBuffer, from socketAddress: SocketAddress) {
        inReadBurst = true
        guard !closed else { return }
        guard let sender = NodeAddress(socketAddress) else {
            engine.stats.malformedIn += 1
            return
        }
        let now = self.now
        let reply = buffer.withUnsafeReadableBytes { engine.receive($0, from: sender, now: now) }
        if let reply { write(reply, to: socketAddress) }
        process(engine.takeOutput())
    }

    /// Flushes the answers written during a burst of reads (one `sendmmsg` for many).
    func flushWrites() {
        inReadBurst = false
        if unflushedWrites {
            unflushedWrites = false
            channel?.flush()
        }
    }

    /// Sends a query and waits for its answer, resent and timed out on the configured schedule.
    ///
    /// - Parameters:
    ///   - expectedID: the id we believe the node has. A timeout counts a failure against it
    ///     in the routing table; an answer with another id removes it.
    package func query(_ method: String, _ arguments: BencodeDictionary = BencodeDictionary(), to address: NodeAddress,
                       expecting expectedID: NodeID? = nil) async -> QueryOutcome {
        guard !closed, !Task.isCancelled else { return .cancelled }
        if engine.bans.covers(address) { return .error(.server("\(address) is banned here")) }
        guard let key = engine.startQuery(method, arguments, to: address, expecting: expectedID, now: now) else {
            return .error(.server("too many queries in flight"))
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiting[key] = continuation
                process(engine.takeOutput())
            }
        } onCancel: {
            eventLoop.execute { self.assumeIsolated { $0.abandon(key) } }
        }
    }

    func query(_ method: Method, _ arguments: BencodeDictionary = BencodeDictionary(), to address: NodeAddress,
               expecting expectedID: NodeID? = nil) async -> QueryOutcome {
        await query(method.rawValue, arguments, to: address, expecting: expectedID)
    }

    /// Releases a cancelled query's caller at once, but keeps the transaction until it is
    /// answered or times out: a late answer still refreshes the node, and a timeout still
    /// counts against it, so lookups that look past slow nodes do not hide dead ones.
    private func abandon(_ key: UInt16) {
        waiting.removeValue(forKey: key)?.resume(returning: .cancelled)
    }

    /// Carries out what the engine asked for: sends its datagrams, wakes the callers whose
    /// queries ended, starts the checkpoint's network half, and keeps the timer early enough.
    func process(_ output: ProtocolEngine.Output) {
        for (address, bytes) in output.datagrams { write(bytes, to: address.socketAddress) }
        for (key, outcome) in output.finished { waiting.removeValue(forKey: key)?.resume(returning: outcome) }
        for (number, result) in output.finishedLookups { lookupWaiting.removeValue(forKey: number)?.resume(returning: result) }
        for (method, took) in output.answeredQueries { metrics.recordQuery(method, took: took) }
        if !output.valueChanges.isEmpty {
            pendingValueWrites.add(output.valueChanges)
            writeValueChanges()
        }
        if let work = output.maintenance { startMaintenance(work) }
        if output.bansChanged {
            let bans = engine.bans
            banMirror.withLock { $0 = bans }
            saveBans()
        }
        if !output.heard.isEmpty, !watches.isEmpty { deliverHeard(output.heard) }
        if let adopted = output.adoptedID {
            identity.withLock { $0 = adopted }
            do { try database.saveNodeID(adopted) } catch { logger.error("cannot save the new node id", metadata: ["error": "\(error)"]) }
        }
        if let deadline = output.earliestNewDeadline, let timer, deadline < timer.deadline { armTimer() }
        saveTableIfChangedMuch()
    }

    /// Writes what waits for the database as one batch, unless a batch is being written: then
    /// it waits, gathering what comes meanwhile, and goes when that batch is done.
    func writeValueChanges() {
        guard valueWriting == nil, !pendingValueWrites.isEmpty else { return }
        let batch = pendingValueWrites.take(), database = database
        valueWriting = Task {
            await database.apply(batch)
            valueWriting = nil
            writeValueChanges()
        }
    }

    /// Waits until every value change has reached the database.
    func writeAllValueChanges() async {
        while let writing = valueWriting {
            await writing.value
        }
    }

    /// (Re)starts the one timer, set to the engine's next deadline.
    func armTimer() {
        guard !closed else { return }
        timer?.task.cancel()
        let deadline = engine.nextDeadline
        let clock = configuration.clock
        let task = Task {
            do { try await clock.sleep(until: deadline) } catch { return }
            if !Task.isCancelled { self.timerFired() }
        }
        timer = (task, deadline)
    }

    private func timerFired() {
        guard !closed else { return }
        engine.advance(to: now)
        timer = nil
        process(engine.takeOutput())
        armTimer()
    }

    private func write(_ datagram: [UInt8], to socketAddress: SocketAddress) {
        guard let channel, channel.isWritable else { return }
        let envelope = AddressedEnvelope(remoteAddress: socketAddress, data: channel.allocator.buffer(bytes: datagram))
        if inReadBurst {
            channel.write(envelope, promise: nil)
            unflushedWrites = true
        } else {
            channel.writeAndFlush(envelope, promise: nil)
        }
    }

    /// Saves the routing table in the background once a quarter of it (at least 16 nodes) has
    /// come or gone since the last save, so that a node killed between checkpoints keeps what
    /// it learned. One save at a time; the next waits for the next change.
    func saveTableIfChangedMuch() {
        // Every datagram comes through here: the size (a walk over the buckets) only past 16 changes.
        let changes = engine.table.changes
        guard tableSaving == nil, changes - tableChangesSaved >= 16, changes - tableChangesSaved >= engine.table.count / 4
        else { return }
        tableChangesSaved = changes
        let entries = engine.table.entries, database = database, logger = logger
        tableSaving = Task {
            do { try await database.saveContacts(entries) } catch {
                logger.error("cannot save the routing table", metadata: ["error": "\(error)"])
            }
            tableSaving = nil
        }
    }
}
