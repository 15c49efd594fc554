import Foundation
import Testing
import TestSupport
@testable import PeerKit

/// Storage quotas on a real socket: one address fills a node's storage, and another address
/// can still store and get.
@Suite(.timeLimit(.minutes(1))) struct StorageFloodTests {
    static let floodID = NodeID.sha1(of: Array("storage flooder".utf8))

    static func query(_ method: String, _ transaction: Int, _ arguments: [String: Bencode]) -> [UInt8] {
        var a = BencodeDictionary()
        a["id"] = .bytes(floodID.bytes)
        for (name, value) in arguments { a[name] = value }
        let message: Bencode = ["t": .bytes([UInt8(transaction >> 8 & 0xFF), UInt8(transaction & 0xFF)]), "y": "q",
                                "q": .bytes(Array(method.utf8)), "a": .dictionary(a)]
        return message.encoded()
    }

    /// The write token the node hands `peer`, from a `find_value` answer.
    static func token(from peer: SilentUDPPeer, port: UInt16) async throws -> [UInt8] {
        peer.send(query("find_value", 0, ["key": .bytes(floodID.bytes)]), toPort: port)
        #expect(await peer.waitForDatagram())
        let answer = try BencodeDecoder().decode(try #require(peer.datagrams.first))
        return try #require(answer.dictionaryValue?["r"]?.dictionaryValue?["token"]?.bytesValue)
    }

    @Test func aFloodFromOneAddressLeavesRoomForAnother() async throws {
        var configuration = TestNetwork.configuration()
        configuration.queryRateLimit = 0  // storage, not the query rate, is under test
        configuration.storageLimit = 256 << 10
        let limit = configuration.valueStorageLimit
        let target = try await TestNetwork.startNode(configuration)
        let writer = try await TestNetwork.startNode(), reader = try await TestNetwork.startNode()
        try await withTeardown { await reader.close(); await writer.close(); await target.close() } body: {
            let targetAddress = try #require(await target.localAddress)
            let flooder = try SilentUDPPeer()
            let token = try await Self.token(from: flooder, port: targetAddress.port)
            // Twice the room, in values of 900 bytes under random keys, 16 unanswered at most, so
            // that no datagram is lost to a full socket buffer however busy the machine is.
            let value = [UInt8](repeating: 0xAB, count: 900)
            let flood = 2 * limit / ValueStore.cost(of: value)
            for n in 1...flood {
                let key = NodeID.sha1(of: Array("flood \(n)".utf8))
                flooder.send(Self.query("store_value", n, ["key": .bytes(key.bytes), "value": .bytes(value),
                                                           "token": .bytes(token)]), toPort: targetAddress.port)
                if n % 16 == 0 {
                    #expect(await eventually { flooder.datagramsReceived >= n + 1 }, "every store is answered")
                }
            }
            #expect(await eventually { flooder.datagramsReceived >= flood + 1 }, "every store is answered")
            let flooded = await target.statistics()
            #expect(flooded.storesRefused > 0, "the flood ran into the limit")
            #expect(flooded.storageUsed <= limit)
            #expect(flooded.valuesHeld == limit / ValueStore.cost(of: value))

            // Other addresses store and get: the store takes the room of the flood's oldest value,
            // and the target, the only node holding it, serves it.
            _ = try await writer.join(targetAddress)
            let key = NodeID.sha1(of: Array("honest".utf8))
            let mine = Array("still room for me ".utf8) + [UInt8](repeating: 0x20, count: 882)
            let stored = try await writer.store(mine, at: key)
            #expect(stored.storedOn.map(\.id) == [target.id])
            _ = try await reader.join(targetAddress)
            let got = try await reader.get(key)
            #expect(got.values == [mine], "queries \(got.queries), sources \(got.sources)")
            let after = await target.statistics()
            #expect(after.valuesEvicted == 1, "\(after.valuesEvicted) evicted")
            #expect(after.storageUsed <= limit)
        }
    }
}
