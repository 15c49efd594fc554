import Foundation
import Testing
import TestSupport
@testable import PeerKit

/// A real mainline peer: libtorrent 2.0 (Debian's python3-libtorrent) on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct LibtorrentInteropTests {
    @Test func libtorrentRoutesThroughUsAndWeListItUnderPeers() async throws {
        let node = try await TestNetwork.startNode()
        let ourPort = try #require(await node.localAddress?.port)
        let libtorrent = try ChildProcess("/usr/bin/python3", [TestPaths.packageRoot + "/scripts/libtorrent-dht-node.py", "--live", "\(ourPort)"])
        defer { libtorrent.closeInput(); libtorrent.terminate() }

        // libtorrent queried us, liked the answers, and put us in its routing table.
        let live = try await libtorrent.waitForLine(containing: "LIVE \(node.id.hex)", timeout: 20)
        #expect(live.hasSuffix(" \(ourPort)"))
        let received = await node.statistics().methods
        let answered = ["ping", "find_node", "get_peers"].reduce(0) { $0 + (received[$1]?.received ?? 0) }
        #expect(answered > 0, "libtorrent's queries reached our handlers: \(received)")

        // And we join it: it answers our ping and find_node, and shows up under peers.
        let portLine = try await libtorrent.waitForLine(containing: "PORT ")
        let idLine = try await libtorrent.waitForLine(containing: "ID ")
        let libtorrentID = try #require(NodeID(hex: String(idLine.dropFirst(3))))
        let port = try #require(UInt16(portLine.dropFirst(5)))
        let joined = try await node.join(try #require(NodeAddress("127.0.0.1:\(port)")))
        #expect(joined.contact.id == libtorrentID)
        let peers = await node.routingTable()
        #expect(peers.contains { $0.id == libtorrentID && $0.address.port == port })
        #expect(await node.statistics().methods["find_node"]?.succeeded ?? 0 > 0)

        // Our store methods are unknown to libtorrent (203): that is "does not speak find_value",
        // learned for this node, not a failure; the lookup went on through it with find_node.
        let libtorrentAddress = try #require(NodeAddress("127.0.0.1:\(port)"))
        let result = await node.findValue(NodeID.sha1(of: Array("k".utf8)))
        #expect(!result.closest.contains { $0.contact.id == libtorrentID }, "passed over: it cannot store")
        #expect(!(await node.speaks("find_value", at: libtorrentAddress)))
        #expect(await node.speaks("get", at: libtorrentAddress), "it speaks BEP 44")
        #expect(await node.routingTable().first { $0.id == libtorrentID }?.failures == 0)
        let sentBefore = await node.statistics().methods["find_value"]?.sent ?? 0
        _ = await node.findValue(NodeID.sha1(of: Array("k2".utf8)))
        #expect(await node.statistics().methods["find_value"]?.sent ?? 0 == sentBefore, "not asked find_value again")
        await node.close()
    }

    /// BEP 44 items and BitTorrent announcements both ways, through a network of three p2psh
    /// nodes and one libtorrent node: libtorrent's puts land on p2psh and p2psh's gets find them,
    /// and the reverse, for immutable and salted mutable items.
    @Test(.timeLimit(.minutes(1))) func itemsAndAnnouncementsTravelBothWays() async throws {
        try await TestNetwork.withNodes(3) { nodes in
            for node in nodes.dropFirst() { _ = try await node.join(try #require(await nodes[0].localAddress)) }
            var ports: [String] = []
            for node in nodes { ports.append("\(try #require(await node.localAddress?.port))") }
            let libtorrent = try ChildProcess("/usr/bin/python3", [TestPaths.packageRoot + "/scripts/libtorrent-dht-node.py"] + ports)
            defer { libtorrent.closeInput(); libtorrent.terminate() }
            try await libtorrent.waitForLine(containing: "READY", timeout: 20)

            // libtorrent puts, p2psh gets.
            libtorrent.send("PUT from libtorrent\n")
            let put = try await libtorrent.waitForLine(containing: "PUT ", timeout: 20).split(separator: " ")
            let target = try #require(NodeID(hex: String(put[1])))
            #expect((Int(put[2]) ?? 0) >= 3, "libtorrent's put reached the p2psh nodes: \(put)")
            let got = try await nodes[2].getItem(target)
            #expect(got.item?.value == Bencode.string("from libtorrent").encoded())
            libtorrent.send("MPUT lt-salt mutable from libtorrent\n")
            let mput = try await libtorrent.waitForLine(containing: "MPUT ", timeout: 20).split(separator: " ")
            let publicKey = try #require([UInt8](hex: mput[1]))
            let salt = Array("lt-salt".utf8)
            let mutable = try await nodes[1].getItem(Item.target(publicKey: publicKey, salt: salt), publicKey: publicKey,
                                                     salt: salt)
            #expect(mutable.item?.value == Bencode.string("mutable from libtorrent").encoded())
            #expect(mutable.item?.signature?.sequence == Int64(mput[2]))

            // p2psh puts, libtorrent gets.
            let immutable = try await nodes[1].putImmutable(Bencode.string("from p2psh").encoded())
            #expect(immutable.storedOn.count >= 3)
            libtorrent.send("GET \(immutable.target.hex)\n")
            #expect(try await libtorrent.waitForLine(containing: "ITEM \(immutable.target.hex)", timeout: 20)
                .hasSuffix(" from p2psh"))
            _ = try await nodes[0].putMutable(Bencode.string("first").encoded(), salt: Array("s".utf8))
            let second = try await nodes[0].putMutable(Bencode.string("second").encoded(), salt: Array("s".utf8))
            #expect(second.sequence == 2, "the next sequence number by itself")
            libtorrent.send("MGET \(nodes[0].itemPublicKey.hexString) s\n")
            #expect(try await libtorrent.waitForLine(containing: "MITEM ", timeout: 20) == "MITEM 2 second")

            // Announcements: p2psh announces, libtorrent finds it; and the reverse.
            let ours = NodeID.sha1(of: Array("p2psh torrent".utf8)), theirs = NodeID.sha1(of: Array("lt torrent".utf8))
            _ = try await nodes[2].announce(ours, port: 4242)
            libtorrent.send("PEERS \(ours.hex)\n")
            #expect(try await libtorrent.waitForLine(containing: "PEERS ", timeout: 20).contains("127.0.0.1:4242"))
            // BEP 51: libtorrent answers sample_infohashes with what was announced to it.
            let libtorrentPort = try #require(UInt16(try await libtorrent.waitForLine(containing: "PORT ").dropFirst(5)))
            let sample = try await nodes[2].sampleInfohashes(at: try #require(NodeAddress("127.0.0.1:\(libtorrentPort)")))
            #expect(sample.infoHashes.contains(ours) && sample.interval != nil, "\(sample.infoHashes)")
            libtorrent.send("ANNOUNCE \(theirs.hex)\n")
            let announced = try await libtorrent.waitForLine(containing: "ANNOUNCED", timeout: 20).split(separator: " ")
            let port = try #require(UInt16(announced[2]))
            var found: [NodeAddress] = []
            _ = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
                found = await nodes[1].providers(of: theirs)
                return found.contains { $0.port == port }
            }
            #expect(found.contains { $0.port == port }, "libtorrent's announce reached p2psh: \(found)")
        }
    }

    /// Three p2psh nodes among ten libtorrent nodes, which refuse store_value: every store
    /// reaches the other two p2psh nodes, however many libtorrent nodes are closer to the key,
    /// and never the storing node itself; libtorrent nodes are not counted as failed for it.
    @Test(.timeLimit(.minutes(1))) func storesReachTheNodesThatAcceptThemAmongMainlineNodes() async throws {
        // The point is passing over the nodes that refuse, not timing: with a wait of at least
        // 250 ms, a p2psh node slowed by the loaded machine (eleven processes here) is not looked past.
        var configuration = TestNetwork.configuration()
        configuration.lookupWaitBounds = .milliseconds(250) ... .seconds(2)
        try await TestNetwork.withNodes(3, configuration) { nodes in
            for node in nodes.dropFirst() { _ = try await node.join(try #require(await nodes[0].localAddress)) }
            var ports: [String] = []
            for node in nodes { ports.append("\(try #require(await node.localAddress?.port))") }
            var libtorrents: [ChildProcess] = []
            defer { for libtorrent in libtorrents { libtorrent.closeInput(); libtorrent.terminate() } }
            for _ in 0..<10 {
                let libtorrent = try ChildProcess("/usr/bin/python3", [TestPaths.packageRoot + "/scripts/libtorrent-dht-node.py"] + ports)
                libtorrents.append(libtorrent)
                let port = try await libtorrent.waitForLine(containing: "PORT ", timeout: 20).dropFirst(5)
                ports.append(String(port))
            }
            for libtorrent in libtorrents { try await libtorrent.waitForLine(containing: "READY", timeout: 20) }
            for node in nodes {
                for port in ports.suffix(10) { _ = try? await node.join(try #require(NodeAddress("127.0.0.1:\(port)"))) }
            }
            for index in 0..<8 {
                let storer = nodes[index % 3]
                let result = try await storer.store(Array("value \(index)".utf8), at: NodeID.sha1(of: Array("key \(index)".utf8)))
                let others = Set(await nodes.filter { $0 !== storer }.asyncCompactMap { await $0.localAddress?.port })
                #expect(Set(result.storedOn.map(\.address.port)) == others, "store \(index) reached \(result.storedOn)")
            }
            for node in nodes {
                let table = await node.routingTable()
                #expect(table.count >= 10)
                #expect(table.allSatisfy { $0.failures == 0 }, "nobody counted as failed for refusing store_value")
            }
        }
    }
}

extension Array {
    func asyncCompactMap<T>(_ transform: (Element) async throws -> T?) async rethrows -> [T] {
        var result: [T] = []
        for element in self { if let value = try await transform(element) { result.append(value) } }
        return result
    }
}
