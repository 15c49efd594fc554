import Testing
@testable import PeerKit

/// BEP 42's test vectors and the exemptions.
@Suite struct SecureNodeIDTests {
    /// (address, the vector's random byte, the id's first three bytes): the BEP's table.
    static let vectors: [(String, UInt8, String)] = [
        ("124.31.75.21", 1, "5fbfbf"), ("21.75.31.124", 86, "5a3ce9"), ("65.23.51.170", 22, "a5d432"),
        ("84.124.73.14", 65, "1b0321"), ("43.213.53.83", 90, "e56f6c"),
    ]

    func host(_ text: String) -> NodeAddress.Host { NodeAddress("\(text):1")!.host }

    @Test func theVectorsAreCompliantAndTheirFirst21BitsMatter() throws {
        #expect(SecureNodeID.crc32c(Array("123456789".utf8)) == 0xE306_9283, "the CRC-32C check value")
        for (address, random, prefix) in Self.vectors {
            let bytes = [UInt8](hex: prefix)! + Array(repeating: 0x5A, count: 16) + [random]
            let id = try #require(NodeID(bytes: bytes))
            #expect(SecureNodeID.isCompliant(id, for: host(address)), "\(address)")
            var other = bytes
            other[2] ^= 0x08  // bit 21 of the prefix
            #expect(!SecureNodeID.isCompliant(NodeID(bytes: other)!, for: host(address)), "\(address), a bit changed")
            var unchecked = bytes
            unchecked[2] ^= 0x07  // bits past the 21 are free
            #expect(SecureNodeID.isCompliant(NodeID(bytes: unchecked)!, for: host(address)))
        }
    }

    @Test func madeIDsAreCompliantForTheirAddressOnly() {
        var random = NodeRandom(seed: 42)
        for _ in 0..<50 {
            let id = SecureNodeID.compliantID(for: host("198.18.3.1"), using: &random)
            #expect(SecureNodeID.isCompliant(id, for: host("198.18.3.1")))
            #expect(!SecureNodeID.isCompliant(id, for: host("43.213.53.83")), "another address: 21 bits must match by chance")
        }
        let v6 = NodeAddress("[2001:db8::1]:1")!.host
        let id = SecureNodeID.compliantID(for: v6, using: &random)
        #expect(SecureNodeID.isCompliant(id, for: v6))
    }

    @Test func localAddressesAreExempt() {
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1"] {
            #expect(SecureNodeID.isExempt(host(address)), "\(address)")
        }
        for address in ["198.18.0.1", "8.8.8.8", "100.128.0.1"] {
            #expect(!SecureNodeID.isExempt(host(address)), "\(address)")
        }
    }
}

/// BEP 42 in the engine: its own id, others' ids, and enforcement.
@Suite struct SecureNodeIDEngineTests {
    typealias Harness = ProtocolEngineTests.Harness

    @Test func aPublicAddressTwoNodesAgreeOnMakesTheNodeTakeACompliantID() {
        let harness = Harness(), now = harness.start
        let before = harness.engine.id
        let known = Contact(id: harness.peerID, address: harness.peer)
        _ = harness.engine.table.insert(known, now: now)
        let external = NodeAddress("198.18.5.1:6881")!
        harness.engine.recordAddressVote(external, from: NodeAddress("198.18.1.1:6881")!, now: now)
        #expect(harness.engine.id == before, "one node's word is not enough")
        harness.engine.recordAddressVote(external, from: NodeAddress("198.18.1.1:7000")!, now: now)
        #expect(harness.engine.id == before, "nor two ports of one address")
        harness.engine.recordAddressVote(external, from: NodeAddress("198.18.2.1:6881")!, now: now)
        #expect(harness.engine.id != before)
        #expect(SecureNodeID.isCompliant(harness.engine.id, for: external.host))
        #expect(harness.engine.takeOutput().adoptedID == harness.engine.id, "the node saves it")
        #expect(harness.engine.table.entry(for: known.id) != nil, "the table is kept")
        #expect(harness.engine.table.ownID == harness.engine.id)
        let adopted = harness.engine.id
        harness.engine.recordAddressVote(external, from: NodeAddress("198.18.3.1:6881")!, now: now)
        #expect(harness.engine.id == adopted, "taken once")
    }

    @Test func aPrivateAddressKeepsTheID() {
        let harness = Harness(), now = harness.start
        let before = harness.engine.id
        for index in 1...3 {
            harness.engine.recordAddressVote(NodeAddress("192.168.1.20:6881")!, from: NodeAddress("192.168.1.\(index):6881")!,
                                             now: now)
        }
        #expect(harness.engine.id == before)
    }

    func ask(_ harness: Harness, id: NodeID, from sender: NodeAddress) -> [Bencode]? {
        let query: Bencode = ["t": "aa", "y": "q", "q": "ping", "a": ["id": .bytes(id.bytes)]]
        let reply = query.encoded().withUnsafeBytes { harness.engine.receive($0, from: sender, now: harness.start) }
        return reply.flatMap { try? BencodeDecoder().decode($0).dictionaryValue?["e"]?.listValue }
    }

    @Test func nonCompliantNodesAreCountedAndRefusedOnlyWhenEnforced() {
        let sender = NodeAddress("198.18.7.1:6881")!
        var random = NodeRandom(seed: 3)
        let compliant = SecureNodeID.compliantID(for: sender.host, using: &random)
        let other = NodeID.sha1(of: Array("not compliant".utf8))
        let lenient = Harness()
        #expect(ask(lenient, id: other, from: sender) == nil, "answered")
        #expect(lenient.engine.statistics.nonCompliantNodesSeen == 1)
        let strict = Harness { $0.stabilizeInterval = .seconds(1_000_000); $0.enforceNodeID = true }
        #expect(ask(strict, id: other, from: sender)?.first == 203)
        #expect(ask(strict, id: compliant, from: sender) == nil)
        strict.engine.noteResponder(Contact(id: other, address: sender), now: strict.start)
        #expect(strict.engine.table.entry(for: other) == nil, "never in the table")
        #expect(ask(strict, id: other, from: NodeAddress("10.0.0.9:6881")!) == nil, "private addresses are exempt")
    }

    @Test func aCompliantNodeTakesTheSlotOfANonCompliantOneInAFullBucket() {
        let harness = Harness(), now = harness.start
        var random = NodeRandom(seed: 5)
        // Fill the table (one bucket split as far as it goes) with non-compliant nodes on public addresses.
        var index = 0
        while harness.engine.table.count < 200 && index < 2000 {
            index += 1
            let address = NodeAddress("198.18.\(index / 250).\(index % 250 + 1):6881")!
            harness.engine.noteResponder(Contact(id: NodeID.random(using: &random), address: address), now: now)
        }
        let address = NodeAddress("198.19.9.9:6881")!
        // A compliant newcomer whose bucket is full.
        var newcomer: Contact?
        for _ in 0..<10_000 {
            let candidate = Contact(id: SecureNodeID.compliantID(for: address.host, using: &random), address: address)
            if !harness.engine.table.hasRoom(for: candidate.id) { newcomer = candidate; break }
        }
        guard let newcomer else { Issue.record("no full bucket for a compliant id"); return }
        let count = harness.engine.table.count
        harness.engine.noteResponder(newcomer, now: now)
        #expect(harness.engine.table.entry(for: newcomer.id) != nil)
        #expect(harness.engine.table.count == count, "it replaced one")
    }
}
