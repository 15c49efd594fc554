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

    /// Asks the holders of `key` to listen, and delivers what they hold: the values their
    /// `find_value` answers carried and those of their `listen` answers. Returns whether one listens.
    private func listenRound(_ number: Int, key: NodeID) async -> Bool {
        watches[number]?.deliver(engine.heldValues(at: key))
        guard engine.table.count > 0 else { return false }
        let lookup = await findValue(key, then: RoundRequest(method: .listen, arguments: ["key": .bytes(key.bytes)]))
        guard watches[number] != nil, !lookup.cancelled else { return false }
        watches[number]!.previousHolders = watches[number]!.holders
        watches[number]!.holders = Set(lookup.answers.map(\.contact.address))
        watches[number]!.deliver(lookup.values)
        for answer in lookup.answers { watches[number]!.deliver((try? answer.arguments.byteStrings("values")) ?? []) }
        return !lookup.answers.isEmpty
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
