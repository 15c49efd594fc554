import Foundation
import Testing
import TestSupport
@testable import PeerKit

/// A real mainline peer with a DHT of its own: aria2c (Debian's aria2) on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct Aria2InteropTests {
    @Test func aria2cAnnouncesThroughUsAndItsSilenceToFindValueIsNotDeath() async throws {
        try await TestNetwork.withNodes(2) { nodes in
            let entry = try #require(await nodes[0].localAddress)
            _ = try await nodes[1].join(entry)
            let directory = TestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let infoHash = NodeID.sha1(of: Array("an aria2c torrent".utf8))
            let dhtPort = UInt16.random(in: 20_000...40_000), tcpPort = dhtPort + 1
            let aria2c = try ChildProcess("/usr/bin/aria2c", [
                "--enable-dht=true", "--dht-listen-port=\(dhtPort)", "--dht-entry-point=\(entry)",
                "--dht-file-path=\(directory)/dht.dat", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                "--listen-port=\(tcpPort)", "--dir=\(directory)", "--bt-metadata-only=true", "--no-conf=true",
                "magnet:?xt=urn:btih:\(infoHash.hex)",
            ])
            defer { aria2c.terminate() }

            // Its announce reaches p2psh: a get_peers lookup (`swarm`) finds it at its TCP port.
            var peers: [NodeAddress] = []
            _ = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
                peers = await nodes[1].providers(of: infoHash)
                return peers.contains { $0.port == tcpPort }
            }
            #expect(peers.contains { $0.port == tcpPort }, "aria2c announced through p2psh: \(peers)")

            // aria2c drops find_value without a word: the store goes on without it, it is
            // remembered as not speaking find_value, and it is not counted as failed.
            let aria2 = try #require(NodeAddress("127.0.0.1:\(dhtPort)"))
            _ = try await nodes[1].join(aria2)
            let stored = try await nodes[1].store(Array("v".utf8), at: NodeID.sha1(of: Array("k".utf8)))
            #expect(!stored.storedOn.contains { $0.address == aria2 })
            _ = await eventually(timeout: .seconds(5)) { !(await nodes[1].speaks("find_value", at: aria2)) }
            #expect(!(await nodes[1].speaks("find_value", at: aria2)))
            let entryInTable = await nodes[1].routingTable().first { $0.address == aria2 }
            #expect(entryInTable?.failures == 0, "alive and well: \(String(describing: entryInTable))")
        }
    }
}
