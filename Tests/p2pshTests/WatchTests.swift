import Foundation
import Testing
import TestSupport

/// `watch` on separate processes: values reach a watcher through the holders' notifications.
@Suite(.timeLimit(.minutes(2))) struct WatchTests {
    @Test func aWatcherPrintsWhatIsThereThenEachNewValueAsItIsStored() async throws {
        let holder = try await ShellProcess.start()
        defer { holder.child.terminate() }
        _ = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(holder.address); store news first"], input: "")
        let watcher = try ChildProcess(TestPaths.p2psh, ["--ephemeral", "--host", "127.0.0.1", "--port", "0", "--json", "-c",
                                                         "join \(holder.address); watch news --count 3 --timeout 60; stats"])
        defer { watcher.terminate() }
        _ = try await watcher.waitForLine(containing: "\"text\":\"first\"", timeout: 20)
        // The holder has the watcher's listen before anything new is stored.
        #expect(await eventually(timeout: .seconds(10)) {
            (try? await holder.output(of: "stats"))?.contains("methods.listen.received 1") ?? false
        })
        let started = ContinuousClock.now
        _ = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(holder.address); store news second"], input: "")
        _ = try await watcher.waitForLine(containing: "\"text\":\"second\"", timeout: 20)
        // Told, not polled: the poll comes every 5 s, the notification within a round trip.
        #expect(ContinuousClock.now - started < .seconds(4), "took \(ContinuousClock.now - started)")
        _ = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(holder.address); store news third"], input: "")
        #expect(try await watcher.waitForExit(timeout: 20) == 0, "\(watcher.stderr)")
        let records = watcher.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let values = records.filter { $0["verb"] as? String == "watch" }.compactMap { ($0["result"] as? [String: Any])?["text"] as? String }
        #expect(values == ["first", "second", "third"], "\(watcher.stdout)")
        let stats = try #require(records.last?["result"] as? [String: Any])
        let notify = (stats["methods"] as? [String: Any])?["notify"] as? [String: Any]
        // The watcher is a holder itself (three nodes), so it may hear a value first from its own
        // store; the holder's notification still arrives, for the second value at least.
        #expect((notify?["received"] as? Int ?? 0) >= 1, "the holder notified the watcher: \(stats)")
    }

    @Test func watchingAPublicKeyFollowsTheMutableItemsSequence() async throws {
        let owner = try await ShellProcess.start()
        defer { owner.child.terminate() }
        let stats = try await owner.output(of: "stats")
        let publicKey = try #require(stats.split(separator: "\n").first { $0.hasPrefix("item_public_key ") }?.split(separator: " ").last)
        let peer = try await ShellProcess.start()
        defer { peer.child.terminate() }
        _ = try await owner.output(of: "join \(peer.address)")
        _ = try await owner.output(of: "put --salt profile version one")
        let watcher = try ChildProcess(TestPaths.p2psh, ["--ephemeral", "--host", "127.0.0.1", "--port", "0", "-c",
                                                         "join \(peer.address); watch \(publicKey) --salt profile --count 2 --timeout 40"])
        defer { watcher.terminate() }
        _ = try await watcher.waitForLine(containing: "version one", timeout: 20)
        _ = try await owner.output(of: "put --salt profile version two")
        #expect(try await watcher.waitForExit(timeout: 30) == 0, "\(watcher.stderr)")
        #expect(watcher.stdout.hasSuffix("version one\nversion two\n"), "\(watcher.stdout)")
    }

    @Test func aWatchThatTimesOutShortOfItsCountFails() async throws {
        let run = try await p2psh(["--ephemeral", "--port", "0", "-c", "store quiet one; watch quiet --count 2 --timeout 1s"],
                                  input: "", timeout: 30)
        #expect(run.status == 1)
        #expect(run.stdout.hasSuffix("one\n"), "\(run.stdout)")
        #expect(run.stderr.contains("error: watch ended after 1s with 1 of 2 values"), "\(run.stderr)")
        let enough = try await p2psh(["--ephemeral", "--port", "0", "-c", "store quiet one; watch quiet --timeout 1s"],
                                     input: "", timeout: 30)
        #expect(enough.status == 0, "without --count a timeout is the end asked for: \(enough.stderr)")
    }
}
