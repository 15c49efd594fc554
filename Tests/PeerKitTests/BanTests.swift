import Logging
import Testing
@testable import PeerKit

/// Bans and `forget` in the engine, on a hand-driven clock.
@Suite struct BanTests {
    typealias Harness = ProtocolEngineTests.Harness

    @Test func rulesParseAsTypedAndCoverWhatTheySay() throws {
        #expect("\(try BanRule("10.1.2.3/8"))" == "10.0.0.0/8")
        #expect("\(try BanRule("203.0.113.9"))" == "203.0.113.9")
        #expect("\(try BanRule("127.0.0.1:6890"))" == "127.0.0.1:6890")
        #expect("\(try BanRule("[::1]:6890"))" == "[::1]:6890")
        #expect("\(try BanRule("2001:db8::1/32"))" == "2001:db8::/32")
        #expect("\(try BanRule("::1"))" == "::1")
        let network = try BanRule("198.51.100.0/24")
        #expect(network.covers(NodeAddress("198.51.100.77:1")!))
        #expect(!network.covers(NodeAddress("198.51.101.1:1")!))
        #expect(!network.covers(NodeAddress("[::1]:1")!))
        let socket = try BanRule("127.0.0.1:6890")
        #expect(socket.covers(NodeAddress("127.0.0.1:6890")!))
        #expect(!socket.covers(NodeAddress("127.0.0.1:6891")!))
        let v6 = try BanRule("2001:db8:ff00::/40")
        #expect(v6.covers(NodeAddress("[2001:db8:ff12::5]:80")!))
        #expect(!v6.covers(NodeAddress("[2001:db8:fe00::5]:80")!))
        #expect(throws: BanRule.ParseError.badPrefix("0", bits: 32)) { try BanRule("10.0.0.0/0") }
        #expect(throws: BanRule.ParseError.badPrefix("33", bits: 32)) { try BanRule("10.0.0.0/33") }
        #expect(throws: BanRule.ParseError.notAnAddress("example.org")) { try BanRule("example.org") }
        #expect(throws: BanRule.ParseError.notAnAddress("1.2.3.4:99999")) { try BanRule("1.2.3.4:99999") }
    }

    @Test func aBannedSourceGetsNoAnswerAndLeavesTheTable() throws {
        let harness = Harness()
        let start = harness.start
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: harness.peer), now: start)
        #expect(harness.ask("ping", [:], at: start).response != nil)
        let removed = harness.engine.ban(try BanRule("10.0.0.0/24"), until: nil, now: start)
        #expect(removed?.map(\.id) == [harness.peerID])
        #expect(harness.engine.table.count == 0)
        #expect(harness.engine.takeOutput().bansChanged)
        #expect(harness.ask("ping", [:], at: start + .seconds(1)).response == nil)
        #expect(harness.ask("ping", [:], at: start + .seconds(1)).error == nil)
        #expect(harness.engine.statistics.bannedIn == 2)
        #expect(harness.engine.statistics.bans == 1)
        // Never queried: neither by an operation nor by the engine's own upkeep.
        #expect(harness.engine.startQuery("ping", to: harness.peer, now: start + .seconds(2)) == nil)
        #expect(harness.engine.takeOutput().datagrams.isEmpty)
        // Another host of another network is answered.
        #expect(harness.ask("ping", [:], at: start + .seconds(3), from: NodeAddress("10.0.1.7:6881")!).response != nil)
    }

    @Test func aBannedNodeIsNeverHandedOutNorLearnedFromAnswers() throws {
        let harness = Harness()
        let start = harness.start
        let banned = NodeAddress("10.9.0.1:6881")!
        let other = NodeAddress("10.8.0.1:6881")!
        _ = harness.engine.ban(try BanRule("10.9.0.1"), until: nil, now: start)
        // A contact learned at a banned address does not enter the table.
        harness.engine.noteResponder(Contact(id: .sha1(of: [1]), address: banned), now: start)
        harness.engine.noteResponder(Contact(id: .sha1(of: [2]), address: other), now: start)
        #expect(harness.engine.table.entries.map(\.address) == [other])
        let nodes = harness.ask("find_node", ["target": .bytes(NodeID.zero.bytes)], at: start).response?["nodes"]?.bytesValue
        #expect(nodes?.count == 26)
        #expect(!harness.engine.lookupSeeds(near: .zero, now: start).contains { $0.address == banned })
    }

    @Test func aBanForADurationEndsOnTheClockAndIsSavedEachTime() throws {
        let harness = Harness()
        let start = harness.start
        let rule = BanRule(socket: harness.peer)
        _ = harness.engine.ban(rule, until: start + .seconds(90), now: start)
        _ = harness.engine.takeOutput()
        #expect(harness.engine.nextDeadline <= start + .seconds(90))
        harness.engine.advance(to: start + .seconds(90) - .milliseconds(1))
        #expect(!harness.engine.takeOutput().bansChanged)
        #expect(harness.ask("ping", [:], at: start + .seconds(89)).response == nil)
        harness.engine.advance(to: start + .seconds(90))
        #expect(harness.engine.takeOutput().bansChanged)
        #expect(harness.engine.banRecords.isEmpty)
        #expect(harness.ask("ping", [:], at: start + .seconds(91)).response != nil)
    }

    @Test func bansComeBackFromStorageAndKeepSavedContactsOut() throws {
        let rule = try BanRule("10.0.0.7")
        var state = StoredState()
        state.bans = [(rule, nil)]
        state.contacts = [NodeEntry(contact: Contact(id: .sha1(of: [9]), address: NodeAddress("10.0.0.7:6881")!),
                                    seenAt: Timestamp(seconds: 1_800_000_000), failures: 0)]
        let engine = ProtocolEngine(configuration: NodeConfiguration(), state: state, databasePath: nil,
                                    random: NodeRandom(seed: 1), logger: Logger(label: "test"),
                                    now: Timestamp(seconds: 1_800_000_000))
        #expect(engine.table.count == 0)
        #expect(engine.banRecords.map(\.rule) == [rule])
    }

    @Test func forgetDropsAnEntryByAddressOrIdAndItsRecentAddress() {
        let harness = Harness()
        let start = harness.start
        let a = Contact(id: .sha1(of: [1]), address: NodeAddress("10.1.0.1:6881")!)
        let b = Contact(id: .sha1(of: [2]), address: NodeAddress("10.2.0.1:6881")!)
        harness.engine.noteResponder(a, now: start)
        harness.engine.noteResponder(b, now: start)
        #expect(harness.engine.forget(address: a.address).map(\.id) == [a.id])
        #expect(harness.engine.forget(id: b.id).map(\.address) == [b.address])
        #expect(harness.engine.table.count == 0)
        #expect(harness.engine.recentAddresses.addresses.isEmpty)
        #expect(harness.engine.forget(id: a.id).isEmpty)
    }

    @Test func aCappedTableKeepsNewcomersAsReplacementsOnly() {
        let harness = Harness { $0.routingTableCapacity = 3 }
        let start = harness.start
        for index in 1...5 {
            harness.engine.noteResponder(Contact(id: .sha1(of: [UInt8(index)]), address: NodeAddress("10.3.0.\(index):6881")!),
                                         now: start)
        }
        #expect(harness.engine.table.count == 3)
        #expect(harness.engine.table.buckets.flatMap(\.replacements).count == 2)
    }
}
