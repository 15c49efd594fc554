import Testing
import TestSupport

/// `-v` shows the protocol on stderr: each query sent, answered, timed out or received, one line each.
@Suite struct VerboseLogTests {
    @Test func verboseShowsEachQueryAndAnswer() async throws {
        let peer = try await ShellProcess.start(["--ephemeral", "-v"])
        let run = try await p2psh(["--ephemeral", "--port", "0", "-v", "-c", "join \(peer.address)"], input: "")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains("query sent") && $0.contains("method=ping") && $0.contains("to=\(peer.address)") },
                "\(run.stderr)")
        #expect(lines.contains { $0.contains("query answered") && $0.contains("method=find_node") && $0.contains("ms=") })
        #expect(run.stdout.contains("joined"), "results stay on stdout")
        #expect(!lines.contains { $0.contains("ervice") }, "no framework lifecycle chatter: \(run.stderr)")
        #expect(await eventually { peer.child.stderr.contains("query received") && peer.child.stderr.contains("method=ping") },
                "the other node logs the queries it answered: \(peer.child.stderr)")
        #expect(try await peer.exit() == 0)
    }

    @Test func verboseShowsANodeThatALookupLookedPast() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        // A short session joins and leaves: the seed hands it out for a while.
        let gone = try await p2psh(["--ephemeral", "--port", "0", "-c", "join \(seed.address); stats"], input: "")
        #expect(gone.status == 0, "\(gone.stderr)")
        let goneAddress = try #require(gone.stdout.split(separator: "\n").first { $0.hasPrefix("udp_address ") }?
            .split(separator: " ").last.map(String.init))
        let run = try await p2psh(["--ephemeral", "--port", "0", "-v", "-c", "join \(seed.address)"], input: "")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").contains {
            $0.contains("lookup looked past") && $0.contains("node=\(goneAddress)") && $0.contains("waited ms=")
        }, "\(run.stderr)")
        #expect(try await seed.exit() == 0)
    }
}
