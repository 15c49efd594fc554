import Testing
@testable import PeerKit

/// Liveness on a hand-driven clock: the stabilizer pings the nodes not heard from lately at a
/// bounded pace, a node that stays silent is counted out and replaced from its bucket's
/// replacement cache, and answers hand out only nodes that are known to be alive.
@Suite struct StabilizerTests {
    typealias Harness = ProtocolEngineTests.Harness

    static func contact(_ index: Int, prefix: UInt8 = 0x00) -> Contact {
        var bytes = [UInt8](repeating: UInt8(index), count: 20)
        bytes[0] = prefix
        return Contact(id: NodeID(bytes: bytes)!, address: NodeAddress("10.0.2.1:\(1000 + index)")!)
    }

    /// The datagrams the engine sends when the clock reaches `time`, with where they go.
    static func advance(_ harness: Harness, to time: Timestamp) -> [NodeAddress] {
        harness.engine.advance(to: time)
        return harness.engine.takeOutput().datagrams.map(\.address)
    }

    @Test func pingsTheLeastRecentlySeenAtABoundedPace() {
        // Buckets of 128, so that all 80 nodes fit.
        let harness = Harness { $0.k = 128 }
        let start = harness.start
        let configuration = harness.engine.configuration
        // 80 nodes, seen 0 to 79 minutes before the start (node 79 the longest ago).
        for index in 0..<80 {
            _ = harness.engine.table.insert(Self.contact(index, prefix: UInt8(index * 3)),
                                            now: start - .seconds(60 * index))
        }
        let tableSize = harness.engine.table.count
        #expect(harness.engine.nextDeadline == start + configuration.stabilizeInterval)
        let first = Self.advance(harness, to: start + configuration.stabilizeInterval)
        // Nodes 2...79 are older than LIVENESS_AGE (60 s); 64 at a time, oldest first.
        let oldest = (0..<80).map { Self.contact($0, prefix: UInt8($0 * 3)) }
            .filter { harness.engine.table.entry(for: $0.id) != nil }
            .sorted { harness.engine.table.entry(for: $0.id)!.seenAt < harness.engine.table.entry(for: $1.id)!.seenAt }
        #expect(oldest.count > configuration.maxLivenessPings)
        #expect(first == oldest.prefix(configuration.maxLivenessPings).map(\.address))
        #expect(Self.advance(harness, to: start + configuration.stabilizeInterval * 2).isEmpty,
                "no more while \(configuration.maxLivenessPings) are in flight")
        #expect(harness.engine.table.count == tableSize)
    }

    @Test func aSilentNodeIsCountedOutAndReplacedFromTheCache() {
        let harness = Harness { $0.k = 2 }
        let start = harness.start
        let configuration = harness.engine.configuration
        // Bucket 0 (ids starting with bit 0) holds two nodes; a near node makes bucket 1 exist,
        // so bucket 0 can no longer split: a third far node waits in the replacement cache.
        let near = Self.contact(1, prefix: 0xF0)
        let (dead, live, waiting) = (Self.contact(2, prefix: 0x10), Self.contact(3, prefix: 0x20), Self.contact(4, prefix: 0x30))
        _ = harness.engine.table.insert(near, now: start)
        _ = harness.engine.table.insert(dead, now: start - .seconds(600))
        _ = harness.engine.table.insert(live, now: start)
        guard case .bucketFull = harness.engine.table.insert(waiting, now: start) else {
            Issue.record("expected a full bucket")
            return
        }
        #expect(harness.engine.table.entry(for: waiting.id) == nil)

        // The dead node is pinged, times out, and is pinged again: three failures remove it.
        var time = start
        var pings = 0
        for _ in 0..<200 where harness.engine.table.entry(for: dead.id) != nil {
            time = harness.engine.nextDeadline
            pings += Self.advance(harness, to: time).filter { $0 == dead.address }.count
            if let failures = harness.engine.table.entry(for: dead.id)?.failures, failures > 0 {
                #expect(!Self.handsOut(dead, harness: harness, now: time), "a node that failed is not handed out")
            }
        }
        #expect(harness.engine.table.entry(for: dead.id) == nil, "removed at MAX_FAILURES")
        #expect(pings >= configuration.maxFailures)
        #expect(time - start <= configuration.livenessAge + configuration.queryTimeout * configuration.maxFailures
                + configuration.stabilizeInterval * 4, "gone within about 90 s")
        #expect(harness.engine.table.entry(for: waiting.id) != nil, "the replacement cache filled the place")
        #expect(harness.engine.table.entry(for: live.id) != nil)
    }

    @Test func answersCarryOnlyNodesAliveLately() {
        let harness = Harness()
        let start = harness.start
        let configuration = harness.engine.configuration
        let good = Self.contact(1, prefix: 0x10), failed = Self.contact(2, prefix: 0x20)
        let stale = Self.contact(3, prefix: 0x30)
        _ = harness.engine.table.insert(good, now: start)
        _ = harness.engine.table.insert(failed, now: start)
        harness.engine.table.recordFailure(failed.id, maxFailures: configuration.maxFailures, freshSince: Timestamp(sinceEpoch: .zero))
        _ = harness.engine.table.insert(stale, now: start - configuration.goodNodeAge - .seconds(1))
        #expect(harness.engine.table.count == 3)
        #expect(Self.handsOut(good, harness: harness, now: start))
        #expect(!Self.handsOut(failed, harness: harness, now: start))
        #expect(!Self.handsOut(stale, harness: harness, now: start))
    }

    /// Whether a find_node answer (for the contact's own id) lists the contact.
    static func handsOut(_ contact: Contact, harness: Harness, now: Timestamp) -> Bool {
        let answer = harness.ask("find_node", ["target": .bytes(contact.id.bytes)], at: now).response
        let nodes = answer?["nodes"]?.bytesValue.flatMap { Contact.decodeCompactList($0, ipv6: false) } ?? []
        return nodes.contains(contact)
    }

    /// Issue 21's churn miss: a live node that missed one answer has a failure, and no node hands
    /// out a node with a failure. It used to wait for LIVENESS_AGE to be asked again; now the next
    /// tick asks it, and its answer puts it back in answers.
    @Test func aLiveNodeThatMissedOneAnswerIsAskedAtTheNextTickAndHandedOutAgain() {
        let harness = Harness { $0.stabilizeInterval = .seconds(1) }
        let start = harness.start
        let node = Self.contact(7, prefix: 0x80)
        _ = harness.engine.table.insert(node, now: start)
        func handedOut(at now: Timestamp) -> Bool {
            let nodes = harness.ask("find_node", ["target": .bytes(node.id.bytes)], at: now,
                                    from: NodeAddress("10.9.9.9:6881")!).response?["nodes"]?.bytesValue ?? []
            return nodes.count == 26
        }
        #expect(handedOut(at: start))
        // A query it leaves unanswered past the first resend counts one failure.
        _ = harness.engine.startQuery("find_node", ["target": .bytes(NodeID.zero.bytes)], to: node.address,
                                      expecting: node.id, now: start)
        _ = Self.advance(harness, to: start + .seconds(2))
        #expect(harness.engine.table.entry(for: node.id)?.failures == 1)
        #expect(!handedOut(at: start + .seconds(2)))
        // The next tick pings it, long before LIVENESS_AGE (60 s) since it was seen.
        _ = Self.advance(harness, to: start + .seconds(3))
        let pending = harness.engine.transactions.entries.filter { $0.1.method == "ping" && $0.1.address == node.address }
        #expect(pending.count == 1, "asked again at once")
        // It answers: no failure, handed out again.
        let key = pending.first?.0
        let reply: Bencode = ["t": .bytes([UInt8((key ?? 0) >> 8), UInt8((key ?? 0) & 0xFF)]), "y": "r",
                              "r": ["id": .bytes(node.id.bytes)]]
        _ = reply.encoded().withUnsafeBytes { harness.engine.receive($0, from: node.address, now: start + .seconds(3)) }
        #expect(harness.engine.table.entry(for: node.id)?.failures == 0)
        #expect(handedOut(at: start + .seconds(3)))
    }
}
