import Logging
import Testing
@testable import PeerKit

/// The protocol engine on a hand-driven clock: no socket, no sleeping. Each test moves
/// time to just before and just after the moment a timing of the protocol is due.
@Suite struct ProtocolEngineTests {
    /// An engine with default settings, and a peer that talks to it in datagrams.
    final class Harness {
        var engine: ProtocolEngine
        let storage = MemoryStorage()
        let start = Timestamp(sinceEpoch: .seconds(1_800_000_000))
        let peer = NodeAddress("10.0.0.7:6881")!
        let peerID = NodeID.sha1(of: Array("peer".utf8))

        /// Default settings, except that the stabilizer stays out of the way unless a test wants it.
        init(_ configure: (inout NodeConfiguration) -> Void = { $0.stabilizeInterval = .seconds(1_000_000) }) {
            var configuration = NodeConfiguration()
            configure(&configuration)
            engine = ProtocolEngine(configuration: configuration, state: StoredState(), databasePath: nil,
                                    random: NodeRandom(seed: 7), logger: Logger(label: "test"), now: start)
        }

        /// Sends a query from `peer` (or `sender`) at `now`; returns the reply's `r` (or nil) and `e` (or nil).
        func ask(_ method: String, _ arguments: BencodeDictionary, at now: Timestamp, from sender: NodeAddress? = nil)
            -> (response: BencodeDictionary?, error: [Bencode]?) {
            var arguments = arguments
            arguments["id"] = .bytes(peerID.bytes)
            let query: Bencode = ["t": "aa", "y": "q", "q": .string(method), "a": .dictionary(arguments)]
            let bytes = query.encoded()
            let peer = sender ?? peer
            let reply = bytes.withUnsafeBytes { engine.receive($0, from: peer, now: now) }
            let message = reply.flatMap { try? BencodeDecoder().decode($0).dictionaryValue }
            return (message?["r"]?.dictionaryValue, message?["e"]?.listValue)
        }

        /// Applies the value changes the engine asked for so far to ``storage``, as the node would.
        func persist() {
            storage.record(engine.takeOutput().valueChanges)
        }

        func token(at now: Timestamp) -> [UInt8] {
            ask("get_peers", ["info_hash": .bytes(NodeID.zero.bytes)], at: now).response?["token"]?.bytesValue ?? []
        }

        func store(_ value: String, at key: NodeID, token: [UInt8], now: Timestamp) -> Bool {
            ask("store_value", ["key": .bytes(key.bytes), "value": .string(value), "token": .bytes(token)], at: now)
                .response != nil
        }

        /// Pings `peer` (as the node it is known as) at `start`; it answers `after` later, the
        /// engine having run its resends on the way.
        func answerPing(at start: Timestamp, after delay: Duration) {
            guard let key = engine.startQuery("ping", to: peer, expecting: peerID, now: start) else { return }
            engine.advance(to: start + delay)
            _ = engine.takeOutput()
            let reply: Bencode = ["t": .bytes([UInt8(key >> 8), UInt8(key & 0xFF)]), "y": "r",
                                  "r": ["id": .bytes(peerID.bytes)]]
            let peer = peer
            _ = reply.encoded().withUnsafeBytes { engine.receive($0, from: peer, now: start + delay) }
            _ = engine.takeOutput()
        }

        func values(at key: NodeID, now: Timestamp) -> [[UInt8]] {
            let response = ask("get_value", ["key": .bytes(key.bytes)], at: now).response
            return response?["values"]?.listValue?.compactMap(\.bytesValue) ?? []
        }
    }

    @Test func aQueryIsResentAt2And6SecondsAndFailsAt9() {
        let harness = Harness()
        let start = harness.start
        let contact = Contact(id: harness.peerID, address: harness.peer)
        _ = harness.engine.table.insert(contact, now: start)
        let key = harness.engine.startQuery("ping", to: harness.peer, expecting: harness.peerID, now: start)
        let sent = harness.engine.takeOutput().datagrams
        #expect(sent.count == 1 && sent.first?.address == harness.peer)
        #expect(harness.engine.nextDeadline == start + .seconds(2))

        func datagrams(at offset: Duration) -> [[UInt8]] {
            harness.engine.advance(to: start + offset)
            return harness.engine.takeOutput().datagrams.map(\.bytes)
        }
        func failures() -> Int? { harness.engine.table.entry(for: harness.peerID)?.failures }
        #expect(datagrams(at: .milliseconds(1999)).isEmpty)
        #expect(failures() == 0)
        #expect(datagrams(at: .seconds(2)) == sent.map(\.bytes), "the same query, resent")
        #expect(failures() == 1, "silence past the first send counts against the node at once")
        #expect(datagrams(at: .milliseconds(5999)).isEmpty)
        #expect(datagrams(at: .seconds(6)) == sent.map(\.bytes))
        harness.engine.advance(to: start + .milliseconds(8999))
        do {
            let output = harness.engine.takeOutput()
            #expect(output.finished.isEmpty)
        }
        harness.engine.advance(to: start + .seconds(9))
        let finished = harness.engine.takeOutput().finished
        #expect(finished.count == 1 && finished.first?.key == key)
        guard case .timeout? = finished.first?.outcome else {
            Issue.record("expected a timeout, got \(String(describing: finished.first?.outcome))")
            return
        }
        #expect(failures() == 1, "the timeout of the same query does not count it twice")
    }

    @Test func anAnswerToAResendClearsTheFailure() {
        let harness = Harness()
        let start = harness.start
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: harness.peer), now: start)
        harness.answerPing(at: start, after: .milliseconds(2500))
        #expect(harness.engine.table.entry(for: harness.peerID)?.failures == 0, "the answer to the resend cleared the failure")
    }

    @Test func tokensOfTheNewestThreeSecretsAreAccepted() {
        let harness = Harness()
        var now = harness.start
        let first = harness.token(at: now)
        let key = NodeID.sha1(of: Array("k".utf8))
        var rotations = 0, latest = first
        // Checkpoints come every 270 to 330 s; the secret rotates at the first one 300 s after the last rotation.
        for _ in 0..<40 where rotations < 3 {
            now = harness.engine.nextCheckpoint
            harness.engine.advance(to: now)
            let token = harness.token(at: now)
            guard token != latest else { continue }
            latest = token
            rotations += 1
            #expect(harness.store("v\(rotations)", at: key, token: first, now: now) == (rotations < 3),
                    "after \(rotations) rotations")
        }
        #expect(rotations == 3)
        #expect(harness.store("fresh", at: key, token: latest, now: now))
        #expect(harness.ask("store_value", ["key": .bytes(key.bytes), "value": "x", "token": .bytes(first)], at: now)
            .error?.first == 203)
    }

    @Test func announcedPeersAreSharedAmongSourcesLikeValues() {
        let peerCost = ValueStore.cost(of: NodeAddress("10.0.0.7:1")!.compact)
        let harness = Harness { configuration in
            configuration.stabilizeInterval = .seconds(1_000_000)
            configuration.storageLimit = 8 * 4 * peerCost  // an eighth of it: room for 4 announced peers
        }
        let start = harness.start, infoHash = NodeID.sha1(of: Array("file".utf8))
        let flooder = NodeAddress("10.0.0.66:6881")!, honest = NodeAddress("10.0.0.8:6881")!
        func announce(port: Int, from sender: NodeAddress) -> [Bencode]? {
            let token = harness.ask("get_peers", ["info_hash": .bytes(infoHash.bytes)], at: start, from: sender)
                .response?["token"]?.bytesValue ?? []
            return harness.ask("announce_peer", ["info_hash": .bytes(infoHash.bytes), "port": .integer(Int64(port)),
                                                 "token": .bytes(token)], at: start, from: sender).error
        }
        // One address announcing many ports is one source: it fills the room, then is refused.
        for port in 1...4 { #expect(announce(port: port, from: flooder) == nil) }
        #expect(announce(port: 5, from: flooder)?.first == 202)
        // Another address still gets in, in the room of the flood's oldest.
        #expect(announce(port: 7000, from: honest) == nil)
        let peers = harness.ask("get_peers", ["info_hash": .bytes(infoHash.bytes)], at: start).response?["values"]?
            .listValue?.compactMap { $0.bytesValue.flatMap(NodeAddress.init(compact:)) } ?? []
        #expect(Set(peers.map(\.port)) == [2, 3, 4, 7000])
        #expect(harness.engine.stats.storesRefused == 1 && harness.engine.stats.valuesEvicted == 1)
    }

    @Test func storedValuesExpireAtKeyExpire() {
        let harness = Harness()
        let start = harness.start, key = NodeID.sha1(of: Array("k".utf8))
        #expect(harness.store("hello", at: key, token: harness.token(at: start), now: start))
        harness.persist()
        #expect(harness.storage.values(in: .stored).count == 1)
        let expire = harness.engine.configuration.keyExpire
        harness.engine.checkpoint(now: start + expire - .seconds(1))
        #expect(harness.values(at: key, now: start + expire) == [Array("hello".utf8)])
        harness.engine.checkpoint(now: start + expire + .seconds(1))
        harness.persist()
        #expect(harness.values(at: key, now: start + expire).isEmpty)
        #expect(harness.storage.values(in: .stored).isEmpty, "and gone from storage")
    }

    @Test func publishedValuesAreRepublishedAtKeyRefresh() {
        let harness = Harness()
        let start = harness.start, key = NodeID.sha1(of: Array("k".utf8))
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: harness.peer), now: start)
        harness.engine.recordPublished(Array("mine".utf8), at: key, now: start)
        harness.persist()
        #expect(harness.storage.values(in: .published).map(\.value) == [Array("mine".utf8)])
        let refresh = harness.engine.configuration.keyRefresh
        harness.engine.checkpoint(now: start + refresh - .seconds(1))
        do {
            let output = harness.engine.takeOutput()
            #expect(output.maintenance?.republish.isEmpty == true)
        }
        harness.engine.checkpoint(now: start + refresh)
        do {
            let output = harness.engine.takeOutput()
            #expect(output.maintenance?.republish.map(\.value) == [Array("mine".utf8)])
        }
    }

    @Test func staleBucketsAreRefreshedAfterBucketStaleness() {
        let harness = Harness()
        let start = harness.start
        var generator = NodeRandom(seed: 3)
        for port in 1...40 {
            _ = harness.engine.table.insert(Contact(id: .random(using: &generator), address: NodeAddress("10.0.1.1:\(port)")!),
                                            now: start)
        }
        let staleness = harness.engine.configuration.bucketStaleness
        harness.engine.checkpoint(now: start + staleness)
        do {
            let output = harness.engine.takeOutput()
            #expect(output.maintenance?.refreshTargets.isEmpty == true)
        }
        harness.engine.checkpoint(now: start + staleness + .seconds(1))
        let targets = harness.engine.takeOutput().maintenance?.refreshTargets ?? []
        #expect(targets.count == harness.engine.table.buckets.count, "one random id in each untouched bucket")
        #expect(Set(targets.map { harness.engine.table.bucketIndex(for: $0) }) == Set(harness.engine.table.buckets.indices))
    }

    @Test func checkpointsComeOnScheduleWithJitter() {
        let harness = Harness()
        let configuration = harness.engine.configuration
        var due = harness.start + configuration.firstCheckpoint
        #expect(harness.engine.nextDeadline == due)
        harness.engine.advance(to: due - .milliseconds(1))
        do {
            let output = harness.engine.takeOutput()
            #expect(output.maintenance == nil)
        }
        for _ in 0..<20 {
            harness.engine.advance(to: due)
            do {
                let output = harness.engine.takeOutput()
                #expect(output.maintenance != nil)
            }
            let gap = harness.engine.nextCheckpoint - due
            #expect(gap >= configuration.checkpointInterval * 0.9 && gap <= configuration.checkpointInterval * 1.1)
            due = harness.engine.nextCheckpoint
        }
    }

    @Test func aProviderListsItselfInItsGetPeersAnswers() {
        let harness = Harness()
        let start = harness.start
        let infoHash = NodeID.sha1(of: Array("shared file".utf8))
        harness.engine.stats.localAddress = NodeAddress("192.168.1.5:6881")
        func peers(at now: Timestamp) -> [NodeAddress] {
            let answer = harness.ask("get_peers", ["info_hash": .bytes(infoHash.bytes)], at: now).response
            return answer?["values"]?.listValue?.compactMap { $0.bytesValue.flatMap(NodeAddress.init(compact:)) } ?? []
        }
        #expect(peers(at: start).isEmpty)
        harness.engine.providing[infoHash] = (port: 8080, at: start)
        #expect(peers(at: start) == [NodeAddress("192.168.1.5:8080")!], "its bound address, with its HTTP port")
        let configuration = harness.engine.configuration
        #expect(peers(at: start + configuration.peerExpire) == [NodeAddress("192.168.1.5:8080")!])
        #expect(peers(at: start + configuration.peerExpire + .seconds(1)).isEmpty, "as long as an announcement lives")
    }

    @Test func queriesOverASourcesRateGetNoAnswerAndAreCounted() {
        let harness = Harness { $0.queryRateLimit = 40; $0.stabilizeInterval = .seconds(1_000_000) }
        let start = harness.start
        // A burst of 16 (the minimum), then 40 a second.
        let answered = (0..<30).filter { _ in harness.ask("ping", [:], at: start).response != nil }.count
        #expect(answered == 16)
        #expect(harness.engine.stats.queriesDropped == 14)
        #expect(harness.ask("ping", [:], at: start + .milliseconds(100)).response != nil, "4 more tokens by then")
    }

    @Test func anAnswerEndsTheQueryAndItsTimers() {
        let harness = Harness()
        let start = harness.start
        let key = harness.engine.startQuery("ping", to: harness.peer, now: start)!
        _ = harness.engine.takeOutput()
        let reply: Bencode = ["t": .bytes([UInt8(key >> 8), UInt8(key & 0xFF)]), "y": "r",
                              "r": ["id": .bytes(harness.peerID.bytes)]]
        let peer = harness.peer
        _ = reply.encoded().withUnsafeBytes { harness.engine.receive($0, from: peer, now: start + .milliseconds(30)) }
        let finished = harness.engine.takeOutput().finished
        guard case .response(let responder, _)? = finished.first?.outcome else {
            Issue.record("expected the answer")
            return
        }
        #expect(responder.id == harness.peerID)
        #expect(harness.engine.table.entry(for: harness.peerID) != nil, "a node that answers enters the table")
        #expect(harness.engine.nextDeadline == harness.engine.nextCheckpoint, "no timer is left")
        harness.engine.advance(to: start + .seconds(9))
        do {
            let output = harness.engine.takeOutput()
            #expect(output.datagrams.isEmpty)
        }
    }
}
