import Testing
import TestSupport
@testable import PeerKit

/// A real node on 127.0.0.1 whose clock the test advances: its resends, timeout and
/// checkpoint come when the clock says, not when the wall clock does.
@Suite struct NodeClockTests {
    @Test func aSilentNodeIsAskedAgainAt2And6SecondsAndGivenUpAt9() async throws {
        let clock = ManualClock()
        var configuration = TestNetwork.configuration()
        configuration.clock = clock
        configuration.queryResendDelays = [.seconds(2), .seconds(6)]
        configuration.queryTimeout = .seconds(9)
        configuration.stabilizeInterval = .seconds(1_000_000)
        let silent = try SilentUDPPeer()
        let address = try #require(NodeAddress(silent.address))
        try await TestNetwork.withNodes(1, configuration) { nodes in
            let start = clock.now
            let ping = Task { try await nodes[0].ping(address) }
            #expect(await eventually { silent.datagramsReceived == 1 })
            for (due, sent) in [(Duration.seconds(2), 2), (.seconds(6), 3)] {
                #expect(await eventually { clock.nextDeadline == start + due }, "the node's timer waits for \(due)")
                clock.advance(to: start + due)
                #expect(await eventually { silent.datagramsReceived == sent }, "resent at \(due)")
            }
            #expect(await eventually { clock.nextDeadline == start + .seconds(9) })
            clock.advance(to: start + .seconds(9))
            await #expect(throws: NodeError.self) { try await ping.value }
            #expect(silent.datagramsReceived == 3, "no resend after the timeout")
        }
    }
}
