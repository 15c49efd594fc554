import Foundation
import Testing
import TestSupport

/// Joining with a dead address among live ones, a lone first node's store, and a table that
/// outlives a node killed before its first checkpoint.
@Suite(.timeLimit(.minutes(2))) struct StartUpTests {
    @Test func oneDeadAddressDoesNotFailAJoinOrTheScript() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        _ = try await seed.output(of: "store greeting hello")
        let dead = try SilentUDPPeer()
        let run = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(seed.address) \(dead.address); get greeting"],
                                  input: "", timeout: 40)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("joined \(seed.address)") && run.stdout.contains("hello"), "\(run.stdout)")
        #expect(run.stderr.contains("warning: \(dead.address): no answer"), "\(run.stderr)")
        let bootstrapped = try await p2psh(["--ephemeral", "--port", "0", "--bootstrap", dead.address, "--bootstrap", seed.address,
                                            "-c", "get greeting"], input: "", timeout: 40)
        #expect(bootstrapped.status == 0, "\(bootstrapped.stderr)")
        #expect(bootstrapped.stdout.contains("hello"))
        let allDead = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(dead.address); get greeting"], input: "",
                                      timeout: 40)
        #expect(allDead.status == 1 && allDead.stderr.contains("error: \(dead.address): no answer"), "\(allDead.stderr)")
        #expect(!allDead.stdout.contains("hello"), "a join that reached nobody still fails the script")
    }

    @Test func aLoneNodeKeepsWhatItStoresAndPublishesItOnJoining() async throws {
        let lone = try await ShellProcess.start()
        defer { lone.child.terminate() }
        let stored = try await lone.output(of: "store seed-key first value")
        #expect(stored.contains("stored on 0 nodes, kept here: no peers known yet"), "\(stored)")
        #expect(try await lone.output(of: "get seed-key").contains("first value"))
        let other = try await ShellProcess.start()
        defer { other.child.terminate() }
        _ = try await lone.output(of: "join \(other.address)")
        #expect(try await other.output(of: "values seed-key").contains("first value"), "published when it joined")
    }

    @Test func aNodeKilledBeforeItsFirstCheckpointKeepsItsRoutingTable() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = try await ShellProcess.start(["--data-dir", directory])
        _ = try await node.output(of: "join \(seed.address)")
        node.child.signal(SIGKILL)
        _ = try await node.child.waitForExit()
        let restarted = try await ShellProcess.start(["--data-dir", directory])
        defer { restarted.child.terminate() }
        #expect(try await restarted.output(of: "peers").contains(seed.address), "the table was saved at the join")
    }
}
