import Foundation
import Testing
@testable import PeerKit

/// Hostile and broken datagrams: each gets the right error code or is ignored, and the node keeps serving.
@Suite(.timeLimit(.minutes(1))) struct BadInputTests {
    let clientID = Bencode.bytes([UInt8](repeating: 7, count: 20))

    func query(_ method: String, _ arguments: BencodeDictionary, t: String = "aa") -> Bencode {
        var arguments = arguments
        if arguments["id"] == nil { arguments["id"] = clientID }
        return .dictionary(["t": .string(t), "y": "q", "q": .string(method), "a": .dictionary(arguments)])
    }

    /// Runs `body` against a fresh node and a raw UDP client, and closes both however it ends.
    func withNodeAndClient(_ body: (Node, NodeAddress, RawUDPClient) async throws -> Void) async throws {
        let node = try await TestNetwork.startNode()
        let client = try await RawUDPClient()
        do {
            try await body(node, try #require(await node.localAddress), client)
        } catch {
            await client.close()
            await node.close()
            throw error
        }
        await client.close()
        await node.close()
    }

    func errorCode(_ reply: BencodeDictionary?) -> Int64? {
        guard reply?["y"] == "e" else { return nil }
        return reply?["e"]?.listValue?.first?.integerValue
    }

    @Test func garbageAndTruncatedDatagramsAreIgnored() async throws {
        try await withNodeAndClient { node, address, client in
            let ping = query("ping", [:]).encoded()
            var generator = NodeRandom(seed: 5)
            var garbage: [[UInt8]] = [[], Array("hello".utf8), [UInt8](repeating: 0x78, count: 3000),
                                      Array(ping.prefix(ping.count / 2)), Array(ping.dropLast()), Array("i42e".utf8),
                                      Array("d1:y1:qe".utf8)]
            for _ in 0..<200 { garbage.append((0..<Int.random(in: 1..<200, using: &generator)).map { _ in .random(in: 0...255, using: &generator) }) }
            for datagram in garbage { try await client.send(datagram, to: address) }
            // The node is alive and answers the next good ping; nothing else came back.
            let reply = try await client.exchange(query("ping", [:], t: "ok"), with: address)
            #expect(reply?["t"] == "ok")
            #expect(reply?["y"] == "r")
            #expect(client.pendingReplies == 0)
            #expect(await node.statistics().malformedIn >= garbage.count - 1)
        }
    }

    @Test func malformedQueriesGetTheRightErrorCodes() async throws {
        try await withNodeAndClient { node, address, client in
            let cases: [(Bencode, Int64)] = [
                // A KRPC envelope with a t but no q: protocol error, with our t.
                (.dictionary(["t": "aa", "y": "q", "a": .dictionary(["id": clientID])]), 203),
                (.dictionary(["t": "aa", "y": "x"]), 203),
                (query("ping", ["id": .bytes([1, 2, 3])]), 203),
                (query("ping", ["id": 5]), 203),
                (query("find_node", ["target": 42]), 203),
                (query("find_node", [:]), 203),
                (query("get_value", ["key": .bytes([UInt8](repeating: 1, count: 20)), "num": -1]), 203),
                (query("store_value", ["key": .bytes([UInt8](repeating: 1, count: 20)), "value": "v", "token": "bad"]), 203),
                (query("announce_peer", ["info_hash": .bytes([UInt8](repeating: 1, count: 20)), "port": 1, "token": "x"]), 203),
                (query("no_such_method", [:]), 204),
            ]
            for (message, code) in cases {
                let reply = try await client.exchange(message, with: address)
                #expect(errorCode(reply) == code, "\(message)")
                #expect(reply?["t"] == "aa")
            }
            let ping = try await client.exchange(query("ping", [:]), with: address)
            #expect(ping?["r"]?.dictionaryValue?["id"]?.bytesValue == node.id.bytes)
        }
    }

    @Test func storeNeedsAValidTokenAndAValueThatFits() async throws {
        try await withNodeAndClient { node, address, client in
            let key = Bencode.bytes(NodeID.sha1(of: Array("k".utf8)).bytes)
            let found = try await client.exchange(query("find_value", ["key": key]), with: address)
            let token = try #require(found?["r"]?.dictionaryValue?["token"])
            #expect(found?["r"]?.dictionaryValue?["num"] == 0)
            // BEP 42: the response tells us our address.
            #expect(found?["ip"]?.bytesValue.flatMap { NodeAddress(compact: $0) }?.isLocal == true)

            let oversized = try await client.exchange(query("store_value", ["key": key, "token": token,
                                                                            "value": .bytes([UInt8](repeating: 1, count: 1001))]), with: address)
            #expect(errorCode(oversized) == 205)
            let forged = try await client.exchange(query("store_value", ["key": key, "token": .bytes([0, 0, 0, 0, 0, 0, 0, 0]),
                                                                         "value": "v"]), with: address)
            #expect(errorCode(forged) == 203)
            #expect(await node.statistics().valuesHeld == 0)

            let good = try await client.exchange(query("store_value", ["key": key, "token": token, "value": "v"]), with: address)
            #expect(good?["y"] == "r")
            let values = try await client.exchange(query("get_value", ["key": key]), with: address)
            #expect(values?["r"]?.dictionaryValue?["values"] == .list(["v"]))
        }
    }

    @Test func longValueListsAreTrimmedToFitOneDatagram() async throws {
        try await withNodeAndClient { node, address, client in
            let key = Bencode.bytes(NodeID.sha1(of: Array("many".utf8)).bytes)
            let token = try #require(try await client.exchange(query("find_value", ["key": key]), with: address)?["r"]?
                .dictionaryValue?["token"])
            for index in 0..<10 {
                let value = Bencode.bytes(Array(String(repeating: "\(index)", count: 900).utf8))
                _ = try await client.exchange(query("store_value", ["key": key, "token": token, "value": value]), with: address)
            }
            let reply = try await client.exchange(query("get_value", ["key": key]), with: address)
            let values = try #require(reply?["r"]?.dictionaryValue?["values"]?.listValue)
            #expect(values.count == 1)
            #expect(Bencode.dictionary(reply!).encoded().count <= node.configuration.maxDatagramSize)
        }
    }
}
