import Foundation
import Testing
@testable import PeerKit

/// What a simulated node says to a traversal's query.
enum SimulatedAnswer {
    case answered(closer: [Contact], eligible: Bool = true, stops: Bool = false)
    case failed
}

/// Runs a traversal on virtual time with no sockets and no tasks: each queried node answers
/// after the delay `respond` gives it. Returns the time the traversal took, and the most
/// queries that were in flight at once to nodes among the K closest.
func drive(_ traversal: inout Traversal, respond: (Contact) -> (delay: Duration, answer: SimulatedAnswer))
    -> (elapsed: Duration, peakInFlight: Int) {
    let start = Timestamp(sinceEpoch: .seconds(1_000_000))
    var now = start
    var events: [(at: Timestamp, sentAt: Timestamp, contact: Contact, answer: SimulatedAnswer)] = []
    var peak = 0
    for _ in 0..<100_000 {
        for contact in traversal.nextQueries(now: now) {
            let (delay, answer) = respond(contact)
            events.append((now + delay, now, contact, answer))
        }
        peak = max(peak, traversal.inFlightAmongClosest)
        if traversal.isFinished { break }
        let next = events.indices.min { events[$0].at < events[$1].at }
        if let deadline = traversal.nextDeadline, next.map({ deadline < events[$0].at }) ?? true {
            now = max(now, deadline)
            _ = traversal.expire(now: now)
            continue
        }
        guard let next else { break }
        let event = events.remove(at: next)
        now = event.at
        switch event.answer {
        case .answered(let closer, let eligible, let stops):
            traversal.answered(event.contact, after: now - event.sentAt, closer: closer,
                               reply: LookupReply(token: eligible ? [1] : nil), eligible: eligible, stops: stops)
        case .failed:
            traversal.failed(event.contact.id)
        }
    }
    return (now - start, peak)
}

/// A network of routing tables in memory: the traversal runs against it with no sockets.
struct SimulatedNetwork: Sendable {
    let contacts: [Contact]
    let tables: [NodeID: RoutingTable]
    let dead: Set<NodeID>

    init(size: Int, deadFraction: Double = 0, seed: UInt64) {
        var generator = NodeRandom(seed: seed)
        let now = Timestamp(sinceEpoch: .zero)
        contacts = (0..<size).map { index in
            Contact(id: .random(using: &generator), address: NodeAddress(host: .ipv4(0x7F00_0001), port: UInt16(index + 1)))
        }
        var tables: [NodeID: RoutingTable] = [:]
        for contact in contacts {
            var table = RoutingTable(ownID: contact.id, now: now)
            for other in contacts.shuffled(using: &generator) { _ = table.insert(other, now: now) }
            tables[contact.id] = table
        }
        self.tables = tables
        dead = Set(contacts.shuffled(using: &generator).prefix(Int(Double(size) * deadFraction)).map(\.id))
    }

    func answer(_ contact: Contact, target: NodeID) -> SimulatedAnswer {
        guard !dead.contains(contact.id), let table = tables[contact.id] else { return .failed }
        return .answered(closer: table.closest(to: target, count: 8).map(\.contact))
    }

    func closer(_ contact: Contact, target: NodeID) -> [Contact]? {
        guard case .answered(let closer, _, _) = answer(contact, target: target) else { return nil }
        return closer
    }

    func trueClosest(to target: NodeID, count: Int = 8) -> [NodeID] {
        contacts.filter { !dead.contains($0.id) }.map(\.id).sorted { $0.distance(to: target) < $1.distance(to: target) }
            .prefix(count).map { $0 }
    }
}

/// A traversal of a known network of routing tables, on virtual time.
private func lookup(_ network: SimulatedNetwork, _ target: NodeID, seeds: [Contact], concurrency: Int = 3,
                    excluding: NodeID? = nil, roundTrips: RoundTripEstimator = .fixed(.seconds(2)),
                    respond: ((Contact) -> (delay: Duration, answer: SimulatedAnswer))? = nil)
    -> (traversal: Traversal, elapsed: Duration, peakInFlight: Int) {
    var traversal = Traversal(target: target, k: 8, concurrency: concurrency, seeds: seeds, excluding: excluding,
                              roundTrips: roundTrips)
    let (elapsed, peak) = drive(&traversal, respond: respond ?? { (.milliseconds(1), network.answer($0, target: target)) })
    return (traversal, elapsed, peak)
}

@Suite struct TraversalTests {
    @Test func findsTheTrueKClosestFromAFewSeeds() {
        let network = SimulatedNetwork(size: 300, seed: 11)
        var generator = NodeRandom(seed: 12)
        for _ in 0..<10 {
            let target = NodeID.random(using: &generator)
            let seeds = Array(network.contacts.shuffled(using: &generator).prefix(3))
            let result = lookup(network, target, seeds: seeds).traversal
            #expect(result.closest.map(\.contact.id) == network.trueClosest(to: target))
            #expect(result.queried < 60, "queried \(result.queried)")
            #expect(result.failed == 0)
        }
    }

    /// Nodes that cannot serve the operation (mainline nodes asked for a value) route the lookup
    /// but are passed over: it ends at the K closest that can, however many stand between.
    @Test func passesOverNodesThatCannotServeTheOperation() {
        let network = SimulatedNetwork(size: 300, seed: 13)
        var generator = NodeRandom(seed: 14)
        // A third can serve it: the 8 closest that can lie among about 24 closest in all, within
        // the 32 the lookup may pass over.
        let capable = Set(network.contacts.shuffled(using: &generator).prefix(100).map(\.id))
        for _ in 0..<10 {
            let target = NodeID.random(using: &generator)
            let seeds = Array(network.contacts.shuffled(using: &generator).prefix(3))
            let result = lookup(network, target, seeds: seeds) { contact in
                guard let closer = network.closer(contact, target: target) else { return (.milliseconds(1), .failed) }
                return (.milliseconds(1), .answered(closer: closer, eligible: capable.contains(contact.id)))
            }.traversal
            let closestCapable = network.contacts.map(\.id).filter(capable.contains)
                .sorted { $0.distance(to: target) < $1.distance(to: target) }.prefix(8)
            let found = result.closest.map(\.contact.id).filter(capable.contains)
            // Eight capable nodes, nearly all of them the closest: one ranked past all that the
            // nodes near the target hand out (their 8 closest) may be missed, as in any Kademlia lookup.
            #expect(found.count == 8, "\(found.count) capable nodes")
            #expect(Set(found).intersection(closestCapable).count >= 6, "the closest capable nodes, however many stand between")
            #expect(result.queried <= 8 * 4 + 8 * 8, "bounded: \(result.queried) queries")
        }
    }

    @Test func endsAtTheFirstAnswerThatStopsIt() {
        let network = SimulatedNetwork(size: 300, seed: 15)
        var generator = NodeRandom(seed: 16)
        let target = NodeID.random(using: &generator)
        let holder = network.contacts[0].id  // a seed: its answer ends the lookup
        let seeds = Array(network.contacts.prefix(3))
        let result = lookup(network, target, seeds: seeds) { contact in
            guard let closer = network.closer(contact, target: target) else { return (.milliseconds(1), .failed) }
            return (.milliseconds(1), .answered(closer: closer, stops: contact.id == holder))
        }.traversal
        #expect(result.stoppedBy?.contact.id == holder)
        #expect(result.isFinished && result.nextDeadline == nil)
        let full = lookup(network, target, seeds: seeds).traversal
        #expect(result.queried < full.queried, "\(result.queried) queries, \(full.queried) without stopping")
    }

    @Test func routesAroundDeadNodes() {
        let network = SimulatedNetwork(size: 300, deadFraction: 0.3, seed: 21)
        var generator = NodeRandom(seed: 22)
        for _ in 0..<10 {
            let target = NodeID.random(using: &generator)
            let seeds = Array(network.contacts.filter { !network.dead.contains($0.id) }.prefix(4))
            let result = lookup(network, target, seeds: seeds, concurrency: 8).traversal
            // Dead nodes still fill others' tables, so a lookup may miss one of the true K closest;
            // it must never return a dead node, and must find the very closest and most of the rest.
            let found = result.closest.map(\.contact.id), truth = network.trueClosest(to: target)
            #expect(!found.contains { network.dead.contains($0) })
            #expect(found.first == truth.first)
            #expect(Set(found).intersection(truth).count >= 6, "\(Set(found).intersection(truth).count) of 8")
            #expect(result.failed > 0)
        }
    }

    @Test func looksPastNodesThatDoNotAnswerInTime() {
        let network = SimulatedNetwork(size: 100, seed: 51)
        var generator = NodeRandom(seed: 52)
        let target = NodeID.random(using: &generator)
        // The two nodes closest to the target answer only after 30 s.
        let hanging = Set(network.trueClosest(to: target, count: 2))
        let (result, elapsed, _) = lookup(network, target, seeds: Array(network.contacts.prefix(4)), concurrency: 4) { contact in
            hanging.contains(contact.id) ? (.seconds(30), .failed) : (.milliseconds(1), network.answer(contact, target: target))
        }
        #expect(elapsed >= .seconds(2), "it waited the stall timeout")
        #expect(elapsed < .seconds(30), "and no longer: it looked past the slow nodes")
        let found = Set(result.closest.map(\.contact.id))
        #expect(found.isDisjoint(with: hanging))
        #expect(found == Set(network.trueClosest(to: target, count: 10).filter { !hanging.contains($0) }))
    }

    @Test func aLookupAmongHalfDeadNodesEndsAsSoonAsTheLiveOnesHaveAnswered() {
        let network = SimulatedNetwork(size: 200, deadFraction: 0.5, seed: 71)
        var generator = NodeRandom(seed: 72)
        // Live nodes answer in 1 ms, so the learned wait is its lower bound; dead nodes stay
        // silent until the 9 s KRPC timeout.
        var estimator = RoundTripEstimator(bounds: .milliseconds(10) ... .seconds(2))
        for _ in 0..<10 { estimator.record(.milliseconds(1)) }
        let wait = estimator.wait
        #expect(wait == .milliseconds(10))
        for _ in 0..<5 {
            let target = NodeID.random(using: &generator)
            let seeds = Array(network.contacts.shuffled(using: &generator).prefix(8))
            let (result, elapsed, _) = lookup(network, target, seeds: seeds, concurrency: 8, roundTrips: estimator) { contact in
                network.dead.contains(contact.id) ? (.seconds(9), .failed) : (.milliseconds(1), network.answer(contact, target: target))
            }
            let found = result.closest.map(\.contact.id)
            #expect(!found.contains { network.dead.contains($0) })
            #expect(found.first == network.trueClosest(to: target).first)
            #expect(result.failed == 0, "no dead node's timeout was waited for")
            // Each round of the lookup waits at most one learned wait on its dead nodes: a few
            // hundred ms in all, not the 9 s of one dead node's timeout.
            #expect(elapsed < wait * 30, "\(elapsed) for \(result.queried) queries")
        }
    }

    @Test func theWaitAdaptsToTheRoundTripsOfTheLookup() {
        let network = SimulatedNetwork(size: 200, seed: 81)
        var generator = NodeRandom(seed: 82)
        let target = NodeID.random(using: &generator)
        // The two nodes closest to the target hang; everyone else answers in 30 ms. The lookup
        // starts knowing nothing (a 1 s wait) and learns from its own answers.
        let hanging = Set(network.trueClosest(to: target, count: 2))
        let seeds = network.contacts.filter { !hanging.contains($0.id) }.shuffled(using: &generator).prefix(8)
        let (result, elapsed, _) = lookup(network, target, seeds: Array(seeds), concurrency: 8,
                                          roundTrips: RoundTripEstimator(bounds: .milliseconds(10) ... .seconds(2))) { contact in
            hanging.contains(contact.id) ? (.seconds(9), .failed) : (.milliseconds(30), network.answer(contact, target: target))
        }
        let found = Set(result.closest.map(\.contact.id))
        #expect(found.isDisjoint(with: hanging))
        #expect(found == Set(network.trueClosest(to: target, count: 10).filter { !hanging.contains($0) }))
        // 30 ms answers teach a wait near 100 ms: far below the 1 s it started with.
        #expect(elapsed < .milliseconds(600), "\(elapsed)")
    }

    /// Among nodes that cannot serve the operation, the few that can make a window short of K: a
    /// slow one of them, looked past, must still hold the lookup open, farthest or not.
    @Test func aSlowNodeIsWaitedForWhenTheWindowIsShortOfK() {
        let network = SimulatedNetwork(size: 40, seed: 93)
        var generator = NodeRandom(seed: 94)
        let target = NodeID.random(using: &generator)
        let truth = network.trueClosest(to: target, count: 40)
        // Two nodes can serve it: the 5th and 20th closest; the farther one answers after 35 ms,
        // past the 20 ms wait but within the hold of two waits.
        let (near, slow) = (truth[4], truth[19])
        let seeds = Array(network.contacts.filter { $0.id != near && $0.id != slow }.shuffled(using: &generator).prefix(8))
        let result = lookup(network, target, seeds: seeds, concurrency: 8, roundTrips: .fixed(.milliseconds(20))) { contact in
            guard let closer = network.closer(contact, target: target) else { return (.zero, .failed) }
            return (contact.id == slow ? .milliseconds(35) : .zero,
                    .answered(closer: closer + network.contacts.filter { [near, slow].contains($0.id) },
                              eligible: contact.id == near || contact.id == slow))
        }.traversal
        #expect(Set(result.closest.map(\.contact.id)) == [near, slow], "the slow one was waited for")
    }

    @Test func aSlowNodeAmongTheClosestIsWaitedForAndASilentOneGivenUp() {
        let network = SimulatedNetwork(size: 100, seed: 91)
        var generator = NodeRandom(seed: 92)
        let target = NodeID.random(using: &generator)
        let truth = network.trueClosest(to: target, count: 2)
        // With a 20 ms wait: the closest node answers after 35 ms (looked past, but within the
        // hold of two waits); the second closest never answers.
        let (slow, silent) = (truth[0], truth[1])
        let seeds = network.contacts.filter { !truth.contains($0.id) }.shuffled(using: &generator).prefix(8)
        let (result, elapsed, _) = lookup(network, target, seeds: Array(seeds), concurrency: 8,
                                          roundTrips: .fixed(.milliseconds(20))) { contact in
            if contact.id == silent { return (.seconds(9), .failed) }
            return (contact.id == slow ? .milliseconds(35) : .zero, network.answer(contact, target: target))
        }
        let found = result.closest.map(\.contact.id)
        #expect(found.first == slow, "the slow node is among the results")
        #expect(!found.contains(silent))
        #expect(result.lookedPast >= 2)
        #expect(elapsed < .milliseconds(150), "the silent node was given up after the hold: \(elapsed)")
    }

    @Test func usesALateAnswerFromAStalledNode() {
        let network = SimulatedNetwork(size: 60, seed: 61)
        let target = network.contacts[5].id
        // Everyone is slower than the stall timeout: the lookup waits for the late answers
        // rather than ending empty-handed, and follows them toward the target.
        let result = lookup(network, target, seeds: Array(network.contacts.prefix(8)), concurrency: 8,
                            roundTrips: .fixed(.milliseconds(20))) { contact in
            (.milliseconds(60), network.answer(contact, target: target))
        }.traversal
        #expect(!result.closest.isEmpty)
        let seeds = Set(network.contacts.prefix(8).map(\.id))
        #expect(result.closest.contains { !seeds.contains($0.contact.id) }, "it went past the seeds")
    }

    @Test func keepsAtMostConcurrencyQueriesInFlight() {
        let network = SimulatedNetwork(size: 200, seed: 31)
        let target = network.contacts[0].id
        // Every answer comes long before a query could stall.
        let (result, _, peak) = lookup(network, target, seeds: Array(network.contacts.suffix(10))) { contact in
            (.milliseconds(2), network.answer(contact, target: target))
        }
        #expect(peak == 3, "three in flight among the closest, never more")
        #expect(result.closest.first?.contact.id == target)
    }

    @Test func excludesTheLookingNodeAndEndsWithNoSeeds() {
        let network = SimulatedNetwork(size: 50, seed: 41)
        let me = network.contacts[0]
        let result = lookup(network, me.id, seeds: Array(network.contacts.prefix(5)), excluding: me.id).traversal
        #expect(!result.closest.contains { $0.contact.id == me.id })
        let empty = lookup(network, me.id, seeds: []).traversal
        #expect(empty.closest.isEmpty && empty.queried == 0 && empty.isFinished)
    }

    @Test func aRoundMovesOnToSpareNodesWhenOneFails() {
        let candidates = (0..<7).map { index in
            (contact: Contact(id: NodeID(hex: String(format: "%040x", index + 1))!, address: NodeAddress("127.0.0.1:\(index + 1)")!),
             token: Optional([UInt8(index)]))
        }
        var round = QueryRound(RoundRequest(method: .storeValue, arguments: ["key": .bytes([1])], redundancy: 6), to: candidates)
        var sent: [UInt16] = []
        var sends = round.next()
        #expect(sends.count == 6, "six at once")
        #expect(sends.allSatisfy { $0.arguments["token"]?.bytesValue?.count == 1 }, "each with its token")
        while !sends.isEmpty {
            for (contact, _) in sends {
                sent.append(contact.address.port)
                round.ended(contact, answer: contact.address.port == 2 ? nil : Arguments(["id": .bytes([])]))
            }
            sends = round.next()
        }
        #expect(round.isFinished)
        #expect(round.answers.count == 6)
        #expect(!round.answers.contains { $0.contact.address.port == 2 })
        #expect(round.queried == 7, "6 plus one spare")
    }

    @Test func aGetReadsOnlyTheClosestHoldersAndAsksAgainOnlyThoseWithMore() {
        // Every other node holds two values; the third closest's answer carried both, the others' one.
        let responders: [Responder] = (0..<8).map { (index: Int) -> Responder in
            let holds = index % 2 == 0
            let carried: [[UInt8]] = !holds ? [] : index == 2 ? [Array("v".utf8), Array("w".utf8)] : [Array("v".utf8)]
            let contact = Contact(id: NodeID(hex: String(format: "%040x", index + 1))!, address: NodeAddress("127.0.0.1:\(index + 1)")!)
            return Responder(contact: contact, reply: LookupReply(token: [1], valueCount: holds ? 2 : 0, values: carried))
        }
        let holders = ValueLookup.holders(in: responders, policy: .fromClosest(100), storeRedundancy: 6)
        #expect(holders.map(\.contact.address.port) == [1, 3, 5], "holders among the 6 closest only")
        let again = ValueLookup.holdersOfMoreValues(in: responders, policy: .fromClosest(100), storeRedundancy: 6)
        #expect(again.map(\.address.port) == [1, 5], "the holder whose answer carried both is not asked again")
        #expect(ValueLookup.holders(in: responders, policy: .all, storeRedundancy: 6).count == 4)
        var merged = ValueMerger(limit: 1)
        merged.add([Array("a".utf8), Array("b".utf8)])
        #expect(merged.values.count == 1)
    }
}
