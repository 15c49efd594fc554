import Crypto
import Testing
@testable import PeerKit

/// BEP 44 `get`/`put` and BEP 51 `sample_infohashes` as the engine answers them, on a hand-driven clock:
/// every error code, in libtorrent's order, and the item's lifetime.
@Suite struct ItemProtocolTests {
    typealias Harness = ProtocolEngineTests.Harness
    let key = Curve25519.Signing.PrivateKey()

    func mutable(_ value: String, salt: String = "", sequence: Int64) throws -> Item {
        try Item(value: Bencode.string(value).encoded(), salt: Array(salt.utf8), sequence: sequence, signedWith: key)
    }

    /// The arguments of a put of `item` (its own `k`, `seq`, `sig`, salt), with `token`.
    func putArguments(_ item: Item, token: [UInt8]) throws -> BencodeDictionary {
        var arguments: BencodeDictionary = ["v": try BencodeDecoder().decode(item.value), "token": .bytes(token)]
        if let signature = item.signature {
            arguments["k"] = .bytes(signature.publicKey)
            arguments["seq"] = .integer(signature.sequence)
            arguments["sig"] = .bytes(signature.signature)
            if !signature.salt.isEmpty { arguments["salt"] = .bytes(signature.salt) }
        }
        return arguments
    }

    func put(_ arguments: BencodeDictionary, to harness: Harness, at now: Timestamp) -> Int64? {
        harness.ask("put", arguments, at: now).error?.first?.integerValue
    }

    func get(_ target: NodeID, seq: Int64? = nil, from harness: Harness, at now: Timestamp) -> BencodeDictionary? {
        var arguments: BencodeDictionary = ["target": .bytes(target.bytes)]
        if let seq { arguments["seq"] = .integer(seq) }
        return harness.ask("get", arguments, at: now).response
    }

    @Test func anImmutableItemIsPutAndGotWithATokenOnEveryAnswer() throws {
        let harness = Harness(), now = harness.start
        let item = Item(immutable: Bencode.string("Hello World!").encoded())
        let empty = try #require(get(item.target, from: harness, at: now))
        #expect(empty["token"]?.bytesValue?.isEmpty == false && empty["v"] == nil && empty["nodes"] != nil)
        #expect(put(try putArguments(item, token: harness.token(at: now)), to: harness, at: now) == nil)
        let answer = try #require(get(item.target, from: harness, at: now))
        #expect(answer["v"] == .string("Hello World!") && answer["token"] != nil && answer["k"] == nil)
        #expect(harness.engine.statistics.itemsHeld == 1)
    }

    @Test func putsAreCheckedInLibtorrentsOrder() throws {
        let harness = Harness(), now = harness.start
        let token = harness.token(at: now)
        let big = String(repeating: "x", count: 997)  // bencoded: "997:" + 997 bytes = 1,001
        // v too big comes before the token and the salt.
        #expect(put(["v": .string(big), "salt": .bytes(Array(repeating: 1, count: 65))], to: harness, at: now) == 205)
        #expect(put(["v": .string(String(big.dropLast())), "token": .bytes(token)], to: harness, at: now) == nil,
                "exactly 1,000 bytes is allowed")
        // The salt comes before the token.
        #expect(put(["v": "x", "salt": .bytes(Array(repeating: 1, count: 65))], to: harness, at: now) == 207)
        #expect(put(["v": "x"], to: harness, at: now) == 203, "no token")
        #expect(put(["v": "x", "token": .bytes(Array(repeating: 0, count: 8))], to: harness, at: now) == 203, "a bad token")
        #expect(put(["token": .bytes(token)], to: harness, at: now) == 203, "no v")
    }

    @Test func aPutThatIsNotFullyMutableIsRefusedAndStoresNothing() throws {
        let harness = Harness(), now = harness.start
        let item = try mutable("half", sequence: 1)
        var arguments = try putArguments(item, token: harness.token(at: now))
        arguments["sig"] = nil
        #expect(put(arguments, to: harness, at: now) == 203)
        let immutableTarget = Item(immutable: item.value).target
        #expect(get(immutableTarget, from: harness, at: now)?["v"] == nil, "not stored as immutable either")
        #expect(get(item.target, from: harness, at: now)?["v"] == nil)
        #expect(harness.engine.statistics.itemsHeld == 0)
    }

    @Test func aBadSignatureIsRefusedWith206() throws {
        let harness = Harness(), now = harness.start
        var arguments = try putArguments(try mutable("signed", sequence: 1), token: harness.token(at: now))
        arguments["v"] = "forged"
        #expect(put(arguments, to: harness, at: now) == 206)
        arguments["seq"] = -1
        #expect(put(arguments, to: harness, at: now) == 203, "a negative seq is refused before the signature")
    }

    @Test func sequenceNumbersAndCompareAndSwapDecideWhatIsKept() throws {
        let harness = Harness(), now = harness.start
        let token = harness.token(at: now)
        let second = try mutable("two", salt: "s", sequence: 2)
        #expect(put(try putArguments(second, token: token), to: harness, at: now) == nil)
        #expect(put(try putArguments(try mutable("one", salt: "s", sequence: 1), token: token), to: harness, at: now) == 302)
        var swap = try putArguments(try mutable("three", salt: "s", sequence: 3), token: token)
        swap["cas"] = 1
        #expect(put(swap, to: harness, at: now) == 301)
        // An equal seq is accepted and refreshes the item, without replacing its value.
        #expect(put(try putArguments(try mutable("other", salt: "s", sequence: 2), token: token), to: harness,
                    at: now + .seconds(60)) == nil)
        #expect(get(second.target, from: harness, at: now)?["v"] == .string("two"))
        swap["cas"] = 2
        #expect(put(swap, to: harness, at: now) == nil)
        let answer = try #require(get(second.target, from: harness, at: now))
        #expect(answer["v"] == .string("three") && answer["seq"] == 3 && answer["salt"] == nil,
                "the salt is never sent back")
        #expect(harness.engine.statistics.itemsHeld == 1, "one item per target")
    }

    @Test func aGetWithACurrentSeqGetsOnlyTheSeq() throws {
        let harness = Harness(), now = harness.start
        let item = try mutable("v", sequence: 4)
        #expect(put(try putArguments(item, token: harness.token(at: now)), to: harness, at: now) == nil)
        let current = try #require(get(item.target, seq: 4, from: harness, at: now))
        #expect(current["seq"] == 4 && current["v"] == nil && current["k"] == nil && current["sig"] == nil)
        #expect(current["token"] != nil)
        let older = try #require(get(item.target, seq: 3, from: harness, at: now))
        #expect(older["v"] == .string("v") && older["k"] == .bytes(item.signature!.publicKey)
            && older["sig"] == .bytes(item.signature!.signature))
    }

    @Test func itemsExpireTwoHoursAfterTheLastPutAndLeaveStorage() throws {
        let harness = Harness(), start = harness.start
        let item = Item(immutable: Bencode.string("short-lived").encoded())
        #expect(put(try putArguments(item, token: harness.token(at: start)), to: harness, at: start) == nil)
        harness.persist()
        #expect(harness.storage.values(in: .items).count == 1)
        let expire = harness.engine.configuration.itemExpire
        harness.engine.checkpoint(now: start + expire - .seconds(1))
        #expect(get(item.target, from: harness, at: start + expire)?["v"] != nil)
        harness.engine.checkpoint(now: start + expire + .seconds(1))
        harness.persist()
        #expect(get(item.target, from: harness, at: start + expire)?["v"] == nil)
        #expect(harness.storage.values(in: .items).isEmpty)
    }

    @Test func itemsLiveUnderTheStorageQuota() throws {
        let itemCost = ValueStore.cost(of: Item(immutable: Bencode.string("item-0").encoded()).storageBytes)
        let harness = Harness { configuration in
            configuration.stabilizeInterval = .seconds(1_000_000)
            configuration.storageLimit = 8 * 3 * itemCost  // an eighth of it: room for 3 items
        }
        let now = harness.start, flooder = NodeAddress("10.0.0.66:6881")!
        func putFrom(_ sender: NodeAddress, _ text: String) throws -> Int64? {
            let token = harness.ask("get", ["target": .bytes(NodeID.zero.bytes)], at: now, from: sender)
                .response?["token"]?.bytesValue ?? []
            return harness.ask("put", try putArguments(Item(immutable: Bencode.string(text).encoded()), token: token),
                               at: now, from: sender).error?.first?.integerValue
        }
        for index in 0..<3 { #expect(try putFrom(flooder, "item-\(index)") == nil) }
        #expect(try putFrom(flooder, "item-3") == 202, "the flooder holds the most already")
        #expect(try putFrom(harness.peer, "item-h") == nil, "another source gets room")
        #expect(harness.engine.statistics.itemsHeld == 3)
    }

    @Test func itemsAreKeptAcrossARestart() throws {
        let harness = Harness(), now = harness.start
        let item = try mutable("kept", salt: "x", sequence: 9)
        #expect(put(try putArguments(item, token: harness.token(at: now)), to: harness, at: now) == nil)
        harness.persist()
        let restarted = ProtocolEngine(configuration: harness.engine.configuration, state: try harness.storage.load(),
                                       databasePath: nil, random: NodeRandom(seed: 8), logger: harness.engine.logger,
                                       now: now + .seconds(10))
        #expect(restarted.storedItem(at: item.target) == item)
    }

    @Test func sampleInfohashesAnswersWhatWasAnnounced() throws {
        let harness = Harness(), now = harness.start
        let hashes = (0..<25).map { NodeID.sha1(of: Array("torrent \($0)".utf8)) }
        for hash in hashes {
            let token = harness.ask("get_peers", ["info_hash": .bytes(hash.bytes)], at: now).response?["token"] ?? "x"
            #expect(harness.ask("announce_peer", ["info_hash": .bytes(hash.bytes), "port": 6881, "token": token],
                                at: now).error == nil)
        }
        let answer = try #require(harness.ask("sample_infohashes", ["target": .bytes(NodeID.zero.bytes)], at: now).response)
        let samples = try #require(answer["samples"]?.bytesValue)
        #expect(samples.count == 20 * 20 && answer["num"] == 25 && answer["interval"] == 21600 && answer["nodes"] != nil)
        let sampled = stride(from: 0, to: samples.count, by: 20).compactMap { NodeID(bytes: samples[$0 ..< $0 + 20]) }
        #expect(Set(sampled).isSubset(of: Set(hashes)) && Set(sampled).count == 20)
    }
}

/// This node's own items: put again hourly while it runs, kept across a restart.
@Suite struct OwnItemTests {
    typealias Harness = ProtocolEngineTests.Harness

    @Test func ownItemsArePutAgainAfterTheItemRefreshAndAMutableOneReplacesItsOlderVersion() throws {
        let harness = Harness(), start = harness.start
        _ = harness.engine.table.insert(Contact(id: harness.peerID, address: harness.peer), now: start)
        let key = Curve25519.Signing.PrivateKey()
        let first = try Item(value: Bencode.string("one").encoded(), salt: [], sequence: 1, signedWith: key)
        let second = try Item(value: Bencode.string("two").encoded(), salt: [], sequence: 2, signedWith: key)
        harness.engine.recordPublished(first, now: start)
        harness.engine.recordPublished(second, now: start)
        #expect(harness.engine.publishedItem(at: first.target) == second, "one item per target, the newer")
        harness.persist()
        #expect(harness.storage.values(in: .publishedItems).count == 1)
        let refresh = harness.engine.configuration.itemRefresh
        harness.engine.checkpoint(now: start + refresh - .seconds(1))
        #expect(harness.engine.takeOutput().maintenance?.reputItems.isEmpty == true)
        harness.engine.checkpoint(now: start + refresh)
        #expect(harness.engine.takeOutput().maintenance?.reputItems == [second])
        let restarted = ProtocolEngine(configuration: harness.engine.configuration, state: try harness.storage.load(),
                                       databasePath: nil, random: NodeRandom(seed: 9), logger: harness.engine.logger,
                                       now: start + .seconds(5))
        #expect(restarted.publishedItem(at: second.target) == second)
    }
}
