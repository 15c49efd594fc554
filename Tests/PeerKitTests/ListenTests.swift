import Testing
import TestSupport
@testable import PeerKit

/// `listen` and `notify` in the engine, on a hand-driven clock: registrations, their bound
/// per source, their expiry, and the notifications a new value sends.
@Suite struct ListenTests {
    typealias Harness = ProtocolEngineTests.Harness

    let key = NodeID.sha1(of: Array("watched".utf8))

    func listen(_ harness: Harness, at now: Timestamp, from sender: NodeAddress? = nil) -> (BencodeDictionary?, [Bencode]?) {
        let token = harness.ask("get_peers", ["info_hash": .bytes(NodeID.zero.bytes)], at: now, from: sender).response?["token"]
        return harness.ask("listen", ["key": .bytes(key.bytes), "token": token ?? "none"], at: now, from: sender)
    }

    /// The notify queries the engine sent since the last call, by address.
    func notifications(_ harness: Harness) -> [NodeAddress] {
        harness.engine.takeOutput().datagrams.filter { datagram in
            (try? BencodeDecoder().decode(datagram.bytes).dictionaryValue?["q"]?.stringValue) == "notify"
        }.map(\.address)
    }

    @Test func aListenNeedsATokenAndAnswersTheValuesHeld() {
        let harness = Harness()
        let now = harness.start
        #expect(harness.store("before", at: key, token: harness.token(at: now), now: now))
        let refused = harness.ask("listen", ["key": .bytes(key.bytes), "token": "forged"], at: now)
        #expect(refused.error?.first == .integer(203))
        let (answer, _) = listen(harness, at: now)
        #expect(answer?["values"]?.listValue?.compactMap(\.bytesValue) == [Array("before".utf8)])
        #expect(harness.engine.listens.count == 1)
    }

    @Test func aNewValueIsNotifiedToEachWatcherUntilTheListenExpires() {
        let harness = Harness()
        let start = harness.start
        let other = NodeAddress("10.0.0.9:7000")!
        _ = listen(harness, at: start)
        _ = listen(harness, at: start, from: other)
        _ = harness.engine.takeOutput()
        #expect(harness.store("new", at: key, token: harness.token(at: start + .seconds(1)), now: start + .seconds(1)))
        let output = harness.engine.takeOutput()
        let told = output.datagrams.filter { (try? BencodeDecoder().decode($0.bytes).dictionaryValue?["q"]?.stringValue) == "notify" }
        #expect(Set(told.map(\.address)) == [harness.peer, other])
        #expect(output.heard.map(\.values) == [[Array("new".utf8)]], "this node's own watches hear it too")
        // A refresh of a value already held is not news.
        #expect(harness.store("new", at: key, token: harness.token(at: start + .seconds(2)), now: start + .seconds(2)))
        #expect(notifications(harness).isEmpty)

        // Just before the lifetime ends, a new value is still told; just after, not.
        let end = start + ListenRegistry.lifetime
        #expect(harness.store("late", at: key, token: harness.token(at: end - .milliseconds(1)), now: end - .milliseconds(1)))
        #expect(notifications(harness).count == 2)
        #expect(harness.store("after", at: key, token: harness.token(at: end), now: end))
        #expect(notifications(harness).isEmpty)
    }

    @Test func listeningAgainRenewsTheRegistration() {
        let harness = Harness()
        let start = harness.start
        _ = listen(harness, at: start)
        _ = listen(harness, at: start + .seconds(60))
        _ = harness.engine.takeOutput()
        let later = start + ListenRegistry.lifetime + .seconds(30)
        #expect(harness.store("v", at: key, token: harness.token(at: later), now: later))
        #expect(notifications(harness) == [harness.peer])
        #expect(harness.engine.listens.count == 1, "a renewal is not a second registration")
    }

    @Test func oneSourceHoldsAtMostItsShareOfListens() {
        var registry = ListenRegistry()
        let now = Timestamp(seconds: 1_800_000_000)
        let watcher = NodeAddress("10.0.0.7:6881")!
        var accepted = 0
        for index in 0..<ListenRegistry.perSource where registry.register(watcher, for: .sha1(of: [UInt8(index)]), now: now) {
            accepted += 1
        }
        #expect(accepted == ListenRegistry.perSource)
        let overShare = registry.register(watcher, for: .sha1(of: [255]), now: now)
        let samePortless = registry.register(NodeAddress("10.0.0.7:7000")!, for: .sha1(of: [255]), now: now)
        let otherHost = registry.register(NodeAddress("10.0.0.8:6881")!, for: .sha1(of: [255]), now: now)
        #expect(!overShare && !samePortless && otherHost, "one IP is one source; another host has its own share")
        registry.expire(now: now + ListenRegistry.lifetime)
        #expect(registry.count == 0)
        let afterExpiry = registry.register(watcher, for: .sha1(of: [255]), now: now + ListenRegistry.lifetime)
        #expect(afterExpiry, "expired ones free the share")
    }

    @Test func aNotifyIsHandedToTheWatchesWithItsSender() {
        let harness = Harness()
        let answer = harness.ask("notify", ["key": .bytes(key.bytes), "values": ["pushed"]], at: harness.start)
        #expect(answer.response != nil)
        let heard = harness.engine.takeOutput().heard
        #expect(heard.count == 1 && heard.first?.from == harness.peer && heard.first?.values == [Array("pushed".utf8)])
    }
}

/// A watch on real nodes with a hand-driven clock: the listen is renewed when the clock says.
@Suite struct WatchClockTests {
    @Test func aWatchRenewsItsListenEveryRefreshAndStopsWhenDropped() async throws {
        let clock = ManualClock()
        var configuration = TestNetwork.configuration()
        configuration.clock = clock
        configuration.stabilizeInterval = .seconds(1_000_000)
        configuration.watchRefresh = .seconds(60)
        try await TestNetwork.withNodes(2, configuration) { nodes in
            let (watcher, holder) = (nodes[0], nodes[1])
            _ = try await watcher.join(try #require(await holder.localAddress))
            let key = NodeID.sha1(of: Array("clocked".utf8))
            func listens() async -> Int { await holder.statistics().methods["listen", default: .init()].received }
            let reader = Task { () -> [[UInt8]] in
                var seen: [[UInt8]] = []
                for await value in await watcher.watch(key) {
                    seen.append(value)
                    if seen.count == 1 { break }
                }
                return seen
            }
            #expect(await eventually { await listens() == 1 })
            let start = clock.now
            // The listen's answer is in before the clock moves: else the query would time out.
            #expect(await eventually { clock.deadlines.contains(start + .seconds(60)) }, "the watch sleeps until its refresh")
            clock.advance(to: start + .seconds(59))
            try await Task.sleep(for: .milliseconds(50))
            #expect(await listens() == 1, "not renewed before the refresh is due")
            clock.advance(to: start + .seconds(60))
            #expect(await eventually { await listens() == 2 }, "renewed when it is due")
            _ = try await holder.store(Array("pushed".utf8), at: key)
            #expect(await reader.value == [Array("pushed".utf8)])
            // The reader dropped the stream: the watch ends, and renews nothing more.
            #expect(await eventually { await watcher.watchCount == 0 })
            clock.advance(to: start + .seconds(180))
            try await Task.sleep(for: .milliseconds(50))
            #expect(await listens() == 2)
        }
    }
}
