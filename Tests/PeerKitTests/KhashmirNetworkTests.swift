import Foundation
import Testing
import TestSupport
@testable import PeerKit

/// Khashmir's own tests (khashmir.py's SimpleTests and MultiTest), ported in spirit to real nodes on loopback.
@Suite struct KhashmirNetworkTests {
    @Test func addingAContactPutsEachNodeInTheOthersTable() async throws {
        try await TestNetwork.withNodes(2) { nodes in
            let bAddress = try #require(await nodes[1].localAddress)
            let joined = try await nodes[0].join(bAddress)
            #expect(joined.contact.id == nodes[1].id)
            #expect(await nodes[0].routingTable().map(\.id) == [nodes[1].id])
            // B learned of A from A's queries and verified it with a ping before inserting it.
            #expect(await eventually { await nodes[1].routingTable().map(\.id) == [nodes[0].id] })
        }
    }

    /// In a network too small to split the table, a join still looks up the three farthest
    /// ranges of distance besides its own id: with nodes that just left handed out, one lookup
    /// could end knowing a single node, and a get then missed values that live nodes held.
    @Test func joiningASmallNetworkLooksUpTheFarRangesToo() async throws {
        try await TestNetwork.withNodes(2) { nodes in
            let aAddress = try #require(await nodes[0].localAddress)
            _ = try await nodes[1].join(aAddress)
            let sent = await nodes[1].statistics().methods["find_node"]?.sent ?? 0
            #expect(sent == 1 + Node.farRangesLookedUpOnJoin, "\(sent) find_node queries")
        }
    }

    @Test func bothSidesRememberTheOtherAsRecentlySeen() async throws {
        try await TestNetwork.withNodes(2) { nodes in
            let aAddress = try #require(await nodes[0].localAddress)
            let bAddress = try #require(await nodes[1].localAddress)
            _ = try await nodes[0].join(bAddress)
            #expect(await nodes[0].recentlySeen() == [bAddress], "B answered A")
            #expect(await eventually { await nodes[1].recentlySeen() == [aAddress] })  // A queried B
        }
    }

    @Test func aStoredValueIsRetrieved() async throws {
        try await TestNetwork.withNodes(2) { nodes in
            _ = try await nodes[0].join(try #require(await nodes[1].localAddress))
            let key = NodeID.sha1(of: Array("greeting".utf8))
            let stored = try await nodes[0].store(Array("hello world".utf8), at: key)
            #expect(stored.storedOn.map(\.id) == [nodes[1].id])
            let got = try await nodes[1].get(key)
            #expect(got.values == [Array("hello world".utf8)])
            // A holds nothing itself but finds it on B.
            let fromA = try await nodes[0].get(key)
            #expect(fromA.values == [Array("hello world".utf8)])
        }
    }

    @Test func twentyNodesStoreAndGetRandomKeys() async throws {
        try await TestNetwork.withNodes(20) { nodes in
            var generator = NodeRandom(seed: 42)
            let addresses = try await nodes.asyncMap { try #require(await $0.localAddress) }
            for (index, node) in nodes.enumerated() {
                for _ in 0..<3 {
                    var other = Int.random(in: 0..<nodes.count, using: &generator)
                    if other == index { other = (other + 1) % nodes.count }
                    _ = try await node.join(addresses[other])
                }
            }
            for _ in 0..<2 {
                for node in nodes { _ = await node.lookup(node.id) }
            }
            for round in 0..<10 {
                let key = NodeID.random(using: &generator)
                var expected: Set<[UInt8]> = []
                for writer in 0..<3 {
                    let value = Array("value \(round).\(writer)".utf8)
                    let node = nodes[Int.random(in: 0..<nodes.count, using: &generator)]
                    let result = try await node.store(value, at: key)
                    #expect(result.storedOn.count >= 1)
                    expected.insert(value)
                }
                for _ in 0..<3 {
                    let node = nodes[Int.random(in: 0..<nodes.count, using: &generator)]
                    let values = Set(try await node.get(key).values)
                    #expect(values == expected, "round \(round)")
                }
            }
        }
    }
}

@Suite struct IPv6NetworkTests {
    @Test func nodesOnIPv6LoopbackFindEachOtherThroughNodes6() async throws {
        var settings = TestNetwork.configuration()
        settings.host = "::1"
        let configuration = settings
        try await TestNetwork.withNodes(3, configuration) { nodes in
            let first = try #require(await nodes[0].localAddress)
            #expect(!first.isIPv4)
            _ = try await nodes[1].join(first)
            _ = try await nodes[2].join(first)
            // nodes[2] heard of nodes[1] only from nodes[0]'s nodes6 answers.
            #expect(Set(await nodes[2].routingTable().map(\.id)) == [nodes[0].id, nodes[1].id])
            let key = NodeID.sha1(of: Array("six".utf8))
            _ = try await nodes[2].store(Array("v6".utf8), at: key)
            #expect(try await nodes[1].get(key).values == [Array("v6".utf8)])
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
