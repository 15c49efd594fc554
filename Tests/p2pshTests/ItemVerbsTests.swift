import Foundation
import Testing
import TestSupport

/// `put`, `get` of items, `announce`, `swarm`, `sample` and `values` as scripts use them.
@Suite(.timeLimit(.minutes(1))) struct ItemVerbsTests {
    func records(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test func itemsAndInfoHashesFromOneSessionAreReadInAnother() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let hash = "89abcdef0123456789abcdef0123456789abcdef"
        let writer = try await p2psh(["--ephemeral", "--port", "0", "--json", "-c", """
            join \(seed.address); put hello item; put --salt "my salt" first; put --salt "my salt" second
            announce \(hash) --port 5000; stats
            """], input: "")
        #expect(writer.status == 0, "\(writer.stderr)")
        let written = try records(writer.stdout)
        let target = try #require((written[1]["result"] as? [String: Any])?["target"] as? String)
        let second = try #require(written[3]["result"] as? [String: Any])
        #expect(second["seq"] as? Int == 2 && second["mutable"] as? Bool == true)
        let key = try #require(second["public_key"] as? String)
        #expect((written[5]["result"] as? [String: Any])?["item_public_key"] as? String == key)

        // Plain output, for awk: the target alone; the values; the peers.
        let reader = try await p2psh(["--ephemeral", "--port", "0", "-c", """
            join \(seed.address); get \(target); get \(key) --salt "my salt"; swarm \(hash); sample \(seed.address)
            """], input: "")
        #expect(reader.status == 0, "\(reader.stderr)")
        let lines = reader.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.dropFirst()) == ["hello item", "second", "127.0.0.1:5000", hash], "\(reader.stdout)")

        // What the seed holds, by kind.
        let held = try await seed.output(of: "values")
        #expect(held.contains("\(target) 1 0 ") && held.contains(" item -\n"), "\(held)")
        #expect(held.contains("\(hash) 1 0 6 ") && held.contains(" peers -\n"), "\(held)")
        #expect(try await seed.output(of: "values \(hash)").contains(" - 127.0.0.1:5000"))
    }

    @Test func mistakesGetClearErrors() async throws {
        let run = try await p2psh(["--ephemeral", "--port", "0", "-k", "-c", """
            put --seq 3 x; put; get greeting --salt s; announce nothex; swarm 0123; put \(String(repeating: "x", count: 1000))
            """], input: "")
        #expect(run.status == 1)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.map(String.init)
        #expect(errors.count == 6, "\(run.stderr)")
        #expect(errors[0].contains("--seq and --cas are for mutable items: give --salt too"))
        #expect(errors[1].contains("missing expected argument '<value> ...'"))
        #expect(run.stderr.contains("usage: put [--salt <salt>] [--seq <n>] [--cas <n>] <value> ..."))
        #expect(errors[2].contains("--salt goes with a public key of 64 hex digits"))
        #expect(errors[3].contains("'nothex' is not an info hash"))
        #expect(errors[4].contains("'0123' is not an info hash"))
        #expect(errors[5].contains("value is 1,005 bytes, the limit is 1,000"), "\(errors[5])")
    }
}
