/// Watching a key for new values (`watch`), and a mutable item for new versions.
extension Node {
    /// The values under `key`: those there now, then each new one as it arrives, until the
    /// stream is dropped. The closest nodes are asked to `listen`; they notify this node of each
    /// new value, and the listen is renewed every ``NodeConfiguration/watchRefresh``. When no
    /// holder takes it (nodes that do not speak it), the key is polled every
    /// ``NodeConfiguration/watchPollInterval`` instead.
    public func watch(_ key: NodeID) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let number = nextWatch
        nextWatch += 1
        watches[number] = WatchState(key: key, continuation: continuation)
        let task = Task { await self.runWatch(number) }
        continuation.onTermination = { _ in
            task.cancel()
            Task { await self.endWatch(number) }
        }
        return stream
    }

    /// Each new version of a mutable item (a higher `seq`), polled every
    /// ``NodeConfiguration/watchPollInterval``: BEP 44 has no notifications, and mainline nodes
    /// hold most items. The version there now comes first, if there is one.
    public func watchItem(_ target: NodeID, publicKey: [UInt8], salt: [UInt8] = []) -> AsyncStream<Item> {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let task = Task {
            var sequence = Int64.min
            while !Task.isCancelled {
                if let item = try? await self.getItem(target, publicKey: publicKey, salt: salt).item,
                   let seq = item.signature?.sequence, seq > sequence {
                    sequence = seq
                    continuation.yield(item)
                }
                do { try await self.configuration.clock.sleep(until: self.now + self.configuration.watchPollInterval) } catch { break }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch(_ number: Int) async {
        while !Task.isCancelled, let key = watches[number]?.key {
            let listened = await listenRound(number, key: key)
            let wait = listened ? configuration.watchRefresh : configuration.watchPollInterval
            do { try await configuration.clock.sleep(until: now + wait) } catch { return }
        }
    }

    /// Asks the holders of `key` to listen and delivers what they hold; when none takes the
    /// listen, asks them for their values (get_value) after the same lookup. Returns whether one did.
    private func listenRound(_ number: Int, key: NodeID) async -> Bool {
        watches[number]?.deliver(engine.heldValues(at: key))
        guard engine.table.count > 0 else { return false }
        let lookup = await findValue(key)
        let holders = lookup.tokens(\.token)
        let answers = await withTaskGroup(of: (NodeAddress, [[UInt8]])?.self) { group in
            for (contact, token) in holders {
                group.addTask {
                    guard case .response(_, let reply) = await self.query(
                        .listen, ["key": .bytes(key.bytes), "token": .bytes(token)], to: contact.address, expecting: contact.id)
                    else { return nil }
                    return (contact.address, (try? reply.byteStrings("values")) ?? [])
                }
            }
            var answers: [(NodeAddress, [[UInt8]])] = []
            for await answer in group { if let answer { answers.append(answer) } }
            return answers
        }
        guard watches[number] != nil else { return false }
        watches[number]!.previousHolders = watches[number]!.holders
        watches[number]!.holders = Set(answers.map(\.0))
        watches[number]!.deliver(answers.flatMap(\.1))
        if answers.isEmpty { watches[number]?.deliver(await retrieveValues(at: key, after: lookup).values) }
        return !answers.isEmpty
    }

    /// Watches running now.
    var watchCount: Int { watches.count }

    private func endWatch(_ number: Int) {
        watches[number] = nil
    }

    /// Hands new values the engine heard of to the watches of their keys.
    func deliverHeard(_ heard: [(key: NodeID, values: [[UInt8]], from: NodeAddress?)]) {
        for (key, values, sender) in heard {
            for (number, watch) in watches where watch.key == key && watch.trusts(sender) {
                watches[number]?.deliver(values)
            }
        }
    }
}
