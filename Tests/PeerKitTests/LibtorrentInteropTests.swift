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

        // Our store methods are unknown to libtorrent: that is "cannot store", not a lookup failure.
        let result = await node.findValue(NodeID.sha1(of: Array("k".utf8)))
        #expect(result.closest.contains { $0.contact.id == libtorrentID && $0.reply.token == nil })
        await node.close()
    }
}
