import Foundation
import Testing
@testable import PeerKit

@Suite struct WriteTokensTests {
    let alice = NodeAddress("10.0.0.1:6881")!
    let mallory = NodeAddress("10.0.0.2:6881")!

    @Test func tokensAreBoundToTheRequesterIP() {
        var generator = NodeRandom(seed: 1)
        let tokens = WriteTokens(now: Timestamp(sinceEpoch: .zero), rotationInterval: .seconds(300), generator: &generator)
        let token = tokens.token(for: alice)
        #expect(tokens.isValid(token, for: alice))
        // Same host, other port: still valid (tokens bind the IP, as BEP 5 says).
        #expect(tokens.isValid(token, for: NodeAddress("10.0.0.1:9999")!))
        #expect(!tokens.isValid(token, for: mallory))
        #expect(!tokens.isValid([1, 2, 3], for: alice))
    }

    @Test func theNewestThreeSecretsAreAccepted() {
        var generator = NodeRandom(seed: 2)
        var clock = Timestamp(sinceEpoch: .zero)
        var tokens = WriteTokens(now: clock, rotationInterval: .seconds(300), generator: &generator)
        let first = tokens.token(for: alice)
        clock = clock + .seconds(299)
        tokens.rotateIfDue(now: clock, using: &generator)
        #expect(tokens.token(for: alice) == first, "not due yet")
        for _ in 0..<2 {
            clock = clock + .seconds(300)
            tokens.rotateIfDue(now: clock, using: &generator)
            #expect(tokens.isValid(first, for: alice))
        }
        #expect(tokens.token(for: alice) != first)
        clock = clock + .seconds(300)
        tokens.rotateIfDue(now: clock, using: &generator)
        #expect(!tokens.isValid(first, for: alice), "a fourth rotation retires the first secret")
    }
}
