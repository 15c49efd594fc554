import Foundation
import Testing
import TestSupport
@testable import PeerKit

/// The per-source limit on a real socket: a flood from one source is answered at no more than
/// the limit, and other sources are answered all the while.
@Suite struct QueryFloodTests {
    static func ping(_ transaction: Int, from name: String) -> [UInt8] {
        let id = NodeID.sha1(of: Array(name.utf8))
        let message: Bencode = ["t": .bytes([UInt8(transaction >> 8 & 0xFF), UInt8(transaction & 0xFF)]), "y": "q",
                                "q": "ping", "a": ["id": .bytes(id.bytes)]]
        return message.encoded()
    }

    @Test func aFloodFromOneSourceIsAnsweredAtTheLimitAndOthersAllAre() async throws {
        var configuration = TestNetwork.configuration()
        configuration.queryRateLimit = 200  // a burst of 50, then 200 a second
        let node = try await TestNetwork.startNode(configuration)
        try await withTeardown { await node.close() } body: {
            let port = try #require(await node.localAddress).port
            let flooder = try SilentUDPPeer(), honest = try SilentUDPPeer()
            let started = ContinuousClock.now
            var honestSent = 0
            for round in 0..<20 {
                for index in 0..<100 { flooder.send(Self.ping(round * 100 + index, from: "flooder"), toPort: port) }
                honest.send(Self.ping(round, from: "honest"), toPort: port)
                honestSent += 1
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await eventually { honest.answersReceived == honestSent }, "every honest ping is answered")
            let elapsed = (ContinuousClock.now - started).inSeconds
            let flooderAnswers = flooder.answersReceived
            let ceiling = 50 + 200 * elapsed
            #expect(flooderAnswers <= Int(ceiling.rounded(.up)), "\(flooderAnswers) answers in \(elapsed) s")
            #expect(flooderAnswers >= 50, "the burst is answered")
            let dropped = await node.statistics().queriesDropped
            #expect(dropped >= 2000 - Int(ceiling.rounded(.up)), "dropped \(dropped)")
        }
    }
}
