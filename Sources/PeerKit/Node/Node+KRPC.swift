import Foundation
import NIOCore

/// The KRPC engine: datagrams in, queries out, answers matched to their queries.
extension Node {
    // MARK: Inbound

    /// Largest datagram we decode; anything bigger is not KRPC.
    static let maxInboundDatagram = 4096

    func receive(_ buffer: ByteBuffer, from socketAddress: SocketAddress) {
        inReadBurst = true
        stats.packetsIn += 1
        stats.bytesIn += buffer.readableBytes
        guard !closed, let sender = NodeAddress(socketAddress), buffer.readableBytes <= Self.maxInboundDatagram else {
            stats.malformedIn += 1
            return
        }
        let message: KRPCMessage
        do {
            let value = try buffer.withUnsafeReadableBytes { bytes in try decoder.decode(bytes) }
            message = try KRPCMessage(value)
        } catch let error as EnvelopeError {
            stats.malformedIn += 1
            if let transactionID = error.transactionID {
                sendError(.protocolError(error.reason), transactionID: transactionID, to: socketAddress, sender: sender)
            }
            return
        } catch {
            stats.malformedIn += 1
            return
        }
        switch message.body {
        case .query(let method, let arguments):
            answerQuery(method, Arguments(arguments), transactionID: message.transactionID, from: socketAddress, sender: sender)
        case .response(let response):
            handleResponse(Arguments(response, clientVersion: message.clientVersion, observedAddress: message.observedAddress),
                           transactionID: message.transactionID, from: sender)
        case .error(let error):
            handleErrorReply(error, transactionID: message.transactionID, from: sender)
        }
    }

    /// Flushes responses written during a burst of reads (one `sendmmsg` for many answers).
    func flushWrites() {
        inReadBurst = false
        if unflushedWrites {
            unflushedWrites = false
            channel?.flush()
        }
    }

    private func answerQuery(_ method: String, _ arguments: Arguments, transactionID: [UInt8],
                             from socketAddress: SocketAddress, sender: NodeAddress) {
        do {
            guard let handler = Self.queryHandlers[method] else { throw KRPCError.methodUnknown(method) }
            let senderID = try arguments.nodeID("id")
            stats.methods[method, default: .init()].received += 1
            var response = try handler(self, arguments, QueryContext(sender: sender, senderID: senderID))
            response["id"] = .bytes(id.bytes)
            let reply = KRPCMessage(transactionID: transactionID, body: .response(response),
                                    clientVersion: Self.clientVersion, observedAddress: sender)
            send(reply.encoded(), to: socketAddress)
            noteQuerier(Contact(id: senderID, address: sender))
        } catch let error as KRPCError {
            sendError(error, transactionID: transactionID, to: socketAddress, sender: sender)
        } catch {
            sendError(.server("internal error"), transactionID: transactionID, to: socketAddress, sender: sender)
        }
    }

    private func sendError(_ error: KRPCError, transactionID: [UInt8], to socketAddress: SocketAddress, sender: NodeAddress) {
        let reply = KRPCMessage(transactionID: transactionID, body: .error(error), clientVersion: Self.clientVersion,
                                observedAddress: sender)
        send(reply.encoded(), to: socketAddress)
    }

    private func handleResponse(_ arguments: Arguments, transactionID: [UInt8], from sender: NodeAddress) {
        guard let key = TransactionTable<PendingQuery>.id(transactionID), let pending = transactions[key],
              pending.address == sender
        else { return }
        guard let responderID = try? arguments.nodeID("id") else {
            finish(key, with: .error(.protocolError("response without a valid id")))
            return
        }
        if let expected = pending.expectedID, expected != responderID {
            // "Node ID has changed": the old identity at this address is gone.
            table.remove(expected)
        }
        let responder = Contact(id: responderID, address: sender)
        noteResponder(responder)
        if let observed = arguments.observedAddress { recordAddressVote(observed, from: sender) }
        stats.methods[pending.method.rawValue, default: .init()].totalLatency +=
            Double((NIODeadline.now() - pending.sentAt).nanoseconds) / 1e9
        finish(key, with: .response(responder: responder, arguments: arguments))
    }

    private func handleErrorReply(_ error: KRPCError, transactionID: [UInt8], from sender: NodeAddress) {
        guard let key = TransactionTable<PendingQuery>.id(transactionID), let pending = transactions[key],
              pending.address == sender
        else { return }
        finish(key, with: .error(error))
    }

    // MARK: Outbound

    /// Sends a query and waits for its answer, resending on the configured schedule.
    ///
    /// - Parameters:
    ///   - expectedID: the id we believe the node has. A timeout counts a failure against it
    ///     in the routing table; an answer with another id removes it.
    func query(_ method: Method, _ arguments: BencodeDictionary = BencodeDictionary(), to address: NodeAddress,
               expecting expectedID: NodeID? = nil) async -> QueryOutcome {
        guard !closed, !Task.isCancelled else { return .cancelled }
        var arguments = arguments
        arguments["id"] = .bytes(id.bytes)
        let socketAddress = address.socketAddress
        let pending = PendingQuery(method: method, address: address, socketAddress: socketAddress, expectedID: expectedID,
                                   sentAt: .now())
        guard let key = transactions.insert(pending) else { return .error(.server("too many queries in flight")) }
        let datagram = KRPCMessage(transactionID: TransactionTable<PendingQuery>.bytes(key),
                                   body: .query(method: method.rawValue, arguments: arguments),
                                   clientVersion: Self.clientVersion).encoded()
        transactions[key]?.datagram = datagram
        stats.methods[method.rawValue, default: .init()].sent += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transactions[key]?.continuation = continuation
                transactions[key]?.timers = scheduleTimers(for: key)
                send(datagram, to: socketAddress)
            }
        } onCancel: {
            eventLoop.execute { self.assumeIsolated { $0.abandon(key) } }
        }
    }

    /// Releases a cancelled query's caller at once, but keeps the transaction until it is
    /// answered or times out: a late answer still refreshes the node, and a timeout still
    /// counts against it, so lookups that look past slow nodes do not hide dead ones.
    private func abandon(_ key: UInt16) {
        transactions[key]?.continuation?.resume(returning: .cancelled)
        transactions[key]?.continuation = nil
    }

    private func scheduleTimers(for key: UInt16) -> [Scheduled<Void>] {
        func after(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }
        var timers = configuration.queryResendDelays.filter { $0 < configuration.queryTimeout }.map { delay in
            eventLoop.scheduleTask(in: after(delay)) { self.assumeIsolated { $0.resend(key) } }
        }
        timers.append(eventLoop.scheduleTask(in: after(configuration.queryTimeout)) {
            self.assumeIsolated { $0.finish(key, with: .timeout) }
        })
        return timers
    }

    private func resend(_ key: UInt16) {
        guard let pending = transactions[key] else { return }
        send(pending.datagram, to: pending.socketAddress)
    }

    /// Ends a pending query: its timers stop, its counters move, its caller wakes.
    private func finish(_ key: UInt16, with outcome: QueryOutcome) {
        guard let pending = transactions.remove(key) else { return }
        pending.cancelTimers()
        switch outcome {
        case .response:
            stats.methods[pending.method.rawValue, default: .init()].succeeded += 1
        case .timeout:
            stats.methods[pending.method.rawValue, default: .init()].failed += 1
            if let expected = pending.expectedID { table.recordFailure(expected, maxFailures: configuration.maxFailures) }
        case .error:
            stats.methods[pending.method.rawValue, default: .init()].failed += 1
        case .cancelled:
            break
        }
        pending.continuation?.resume(returning: outcome)
    }

    func send(_ datagram: [UInt8], to socketAddress: SocketAddress) {
        guard let channel, channel.isWritable else { return }
        let buffer = channel.allocator.buffer(bytes: datagram)
        stats.packetsOut += 1
        stats.bytesOut += datagram.count
        let envelope = AddressedEnvelope(remoteAddress: socketAddress, data: buffer)
        if inReadBurst {
            channel.write(envelope, promise: nil)
            unflushedWrites = true
        } else {
            channel.writeAndFlush(envelope, promise: nil)
        }
    }

    // MARK: Routing-table upkeep driven by traffic

    /// A node answered us: it is good. Insert it, or ask the full bucket's oldest node to prove it is alive.
    func noteResponder(_ contact: Contact) {
        guard isAllowed(contact.address) else { return }
        recentAddresses.note(contact.address)
        guard case .bucketFull(let oldest) = table.insert(contact, now: now),
              now.timeIntervalSince(oldest.lastSeen) > configuration.minPingInterval,
              evicting.count < 64, !evicting.contains(oldest.id)
        else { return }
        evicting.insert(oldest.id)
        Task {
            let outcome = await self.query(.ping, to: oldest.address, expecting: oldest.id)
            self.evicting.remove(oldest.id)
            if case .response = outcome { return }
            self.table.replace(oldest.id, with: contact, now: self.now)
        }
    }

    /// A node queried us. Known nodes are refreshed; unknown ones are pinged first, and enter
    /// the table only by answering, so a forged source address cannot fill the table.
    func noteQuerier(_ contact: Contact) {
        guard isAllowed(contact.address), contact.id != id else { return }
        recentAddresses.note(contact.address)
        if table.entry(for: contact.id) != nil {
            table.touch(contact, now: now)
            return
        }
        guard table.hasRoom(for: contact.id), verifying.count < 64, verifying.insert(contact.address).inserted else { return }
        Task {
            _ = await self.query(.ping, to: contact.address, expecting: nil)
            self.verifying.remove(contact.address)
        }
    }

    private func recordAddressVote(_ observed: NodeAddress, from reporter: NodeAddress) {
        if addressVotes[reporter] == nil, addressVotes.count >= 32, let any = addressVotes.keys.first {
            addressVotes.removeValue(forKey: any)
        }
        addressVotes[reporter] = observed
    }
}
