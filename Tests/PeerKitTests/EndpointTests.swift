import Logging
import Testing
@testable import PeerKit

/// One id per endpoint: a node's own address is never a peer, and a new id at a known address
/// replaces the old entry.
@Suite struct EndpointTests {
    typealias Harness = ProtocolEngineTests.Harness

    @Test func thisNodesOwnAddressNeverEntersTheTableNorALookup() {
        let harness = Harness(), now = harness.start
        harness.engine.stats.localAddress = NodeAddress("0.0.0.0:6881")!
        let oldSelf = Contact(id: NodeID.sha1(of: Array("our old id".utf8)), address: NodeAddress("127.0.0.1:6881")!)
        harness.engine.noteResponder(oldSelf, now: now)
        #expect(harness.engine.table.count == 0)
        _ = harness.engine.table.insert(oldSelf, now: now)  // as a table saved before a restart might hold it
        #expect(harness.engine.lookupSeeds(near: oldSelf.id, now: now).isEmpty)
        #expect(!harness.engine.isOwnAddress(NodeAddress("127.0.0.1:6882")!))
        harness.engine.recordAddressVote(NodeAddress("198.18.0.9:7000")!, from: harness.peer, now: now)
        #expect(harness.engine.isOwnAddress(NodeAddress("198.18.0.9:7000")!), "the address others see us at")
    }

    @Test func anAnswerUnderANewIDReplacesTheOldEntry() {
        let harness = Harness(), now = harness.start
        let old = Contact(id: harness.peerID, address: harness.peer)
        _ = harness.engine.table.insert(old, now: now)
        let restarted = Contact(id: NodeID.sha1(of: Array("restarted".utf8)), address: harness.peer)
        harness.engine.noteResponder(restarted, now: now + .seconds(1))
        #expect(harness.engine.table.entry(for: old.id) == nil)
        #expect(harness.engine.table.entry(at: harness.peer)?.id == restarted.id)
    }

    @Test func aQueryUnderANewIDFromAKnownAddressIsVerified() {
        let harness = Harness(), now = harness.start
        // 8 nodes far from us, the peer among them.
        let far = (0..<8).map { index in
            Contact(id: NodeID(hex: String(format: "%02x", (harness.engine.id.bytes[0] ^ 0x80) & 0xF0 | UInt8(index))
                                  + String(repeating: "0", count: 38))!,
                    address: index == 0 ? harness.peer : NodeAddress("10.0.1.\(index):6881")!)
        }
        for contact in far { _ = harness.engine.table.insert(contact, now: now) }
        let restarted = Contact(id: NodeID(hex: String(format: "%02x", (harness.engine.id.bytes[0] ^ 0x80) & 0xF0 | 0x0F)
                                               + String(repeating: "0", count: 38))!, address: harness.peer)
        _ = harness.engine.takeOutput()
        harness.engine.noteQuerier(restarted, now: now)
        #expect(harness.engine.takeOutput().datagrams.contains { $0.address == harness.peer }, "pinged to verify")
    }
}
