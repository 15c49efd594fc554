import Foundation
import Testing
import TestSupport

/// The scripting contract: `-c`, script files and piped stdin run the same commands the
/// same way; the exit status says whether every command succeeded; `--json` prints one
/// object per command; logs never split a result.
@Suite(.timeLimit(.minutes(2))) struct ScriptingTests {
    let node = ["--ephemeral", "--port", "0"]

    /// Deterministic commands, with a comment, a blank line and two commands on one line.
    let script = """
        # what the shell can do
        help get

        help fetch   # options and examples
        history; help history
        """

    @Test func dashCAScriptFileAndPipedStdinGiveTheSameOutput() async throws {
        let file = TestPaths.temporaryDirectory() + "/commands.p2p"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await p2psh(node + [file], input: "")
        let piped = try await p2psh(node, input: script)
        let dashC = try await p2psh(node + ["-c", script], input: "")
        let dashStdin = try await p2psh(node + ["-"], input: script)
        for run in [fromFile, piped, dashC, dashStdin] {
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.isEmpty)
        }
        #expect(fromFile.stdout == piped.stdout)
        #expect(dashC.stdout == piped.stdout)
        #expect(dashStdin.stdout == piped.stdout)
        // In order: get's help, fetch's, then history's.
        let get = try #require(piped.stdout.range(of: "USAGE: get <key>"))
        let fetch = try #require(piped.stdout.range(of: "USAGE: fetch <file> [--to <dir>]"))
        let history = try #require(piped.stdout.range(of: "USAGE: history [<count>] [--clear]"))
        #expect(get.lowerBound < fetch.lowerBound && fetch.lowerBound < history.lowerBound)
    }

    @Test func eachResultIsWrittenBeforeTheNextCommandIsRead() async throws {
        // Standard input stays open: the result must arrive without waiting for more input.
        let child = try ChildProcess(TestPaths.p2psh, ["--host", "127.0.0.1"] + node)
        defer { child.terminate() }
        child.send("help get\n")
        try await child.waitForLine(containing: "USAGE: get <key>")
        child.send("help store\n")
        try await child.waitForLine(containing: "USAGE: store <key>")
        child.closeInput()
        #expect(try await child.waitForExit() == 0)
    }

    @Test func semicolonsSeparateCommandsUnlessQuoted() async throws {
        let run = try await p2psh(node + ["-c", "help 'get;' ; help get"], input: "")
        #expect(run.status == 1, "'get;' is one word, and no verb")
        #expect(run.stderr.contains("error: unknown command 'get;'"), "\(run.stderr)")
        #expect(!run.stdout.contains("USAGE: get"), "the script stopped at the failure")
    }

    @Test func exitStatusIsZeroOnlyWhenEveryCommandSucceeded() async throws {
        let success = try await p2psh(node + ["-c", "help; peers; history"], input: "")
        #expect(success.status == 0)

        let failure = try await p2psh(node + ["-c", "get nothing"], input: "")
        #expect(failure.status == 1)
        #expect(failure.stderr == "error: no peers known: join HOST:PORT first\n")

        // Mixed: by default the script stops at its first failure…
        let stopped = try await p2psh(node, input: "help get\nbogus\nhelp store\n")
        #expect(stopped.status == 1)
        #expect(stopped.stdout.contains("USAGE: get"))
        #expect(!stopped.stdout.contains("USAGE: store"), "nothing runs after the failed command")
        // …and with --keep-going it runs everything, and still fails.
        let kept = try await p2psh(node + ["--keep-going"], input: "help get\nbogus\nhelp store\n")
        #expect(kept.status == 1)
        #expect(kept.stdout.contains("USAGE: store"))

        // `exit` ends a script early; the status still counts earlier failures.
        let early = try await p2psh(node + ["-k", "-c", "bogus; exit; help"], input: "")
        #expect(early.status == 1)
        #expect(!early.stdout.contains("Network:"))
        let clean = try await p2psh(node + ["-c", "help get; exit; bogus"], input: "")
        #expect(clean.status == 0, "the command after exit never ran")
    }

    @Test func aScriptFileNamesTheLineOfEachError() async throws {
        let file = TestPaths.temporaryDirectory() + "/deploy.p2p"
        try "help\n\n# nothing\nstore onlykey\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try await p2psh(node + [file], input: "")
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: \(file):4: missing expected argument '<value> ...'"), "\(run.stderr)")
        #expect(run.stderr.contains("usage: store <key> <value> ...   (see 'help store')"))
    }

    @Test func startUpProblemsAndUsageErrorsHaveTheirOwnStatus() async throws {
        let missing = try await p2psh(node + ["/no/such/script.p2p"], input: "")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("error: cannot read script /no/such/script.p2p: No such file or directory"))
        let both = try await p2psh(node + ["-c", "help", "script.p2p"], input: "")
        #expect(both.status == 64)
        #expect(both.stderr.contains("give either -c COMMANDS or a script file, not both"))
    }

    @Test func jsonPrintsOneObjectPerCommandWithStableFields() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let share = TestPaths.temporaryDirectory()
        try Data("shared bytes\n".utf8).write(to: URL(fileURLWithPath: share + "/notes.txt"))
        let run = try await p2psh(["--ephemeral", "--port", "0", "--share", share, "--json", "--keep-going", "-c", """
            join \(seed.address); store greeting hello; get greeting; get missing-key; peers
            files; stats; history; help get; exit
            """], input: "")
        #expect(run.status == 1, "get missing-key failed")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 10, "\(run.stdout)")
        let records = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        func result(_ index: Int) throws -> [String: Any] { try #require(records[index]["result"] as? [String: Any]) }
        #expect(records.map { $0["verb"] as? String } == ["join", "store", "get", "get", "peers", "files", "stats",
                                                          "history", "help", "exit"])
        #expect(records.map { $0["ok"] as? Bool } == [true, true, true, false, true, true, true, true, true, true])
        #expect(records[1]["command"] as? String == "store greeting hello")
        #expect(records.allSatisfy { ($0["milliseconds"] as? Int).map { $0 >= 0 } == true })

        let joined = try #require((try result(0)["joined"] as? [[String: Any]])?.first)
        #expect(joined["address"] as? String == seed.address)
        #expect((joined["node_id"] as? String)?.count == 40)
        #expect((joined["known_nodes"] as? Int ?? 0) >= 1)

        let stored = try result(1)
        #expect(stored["key"] as? String == "greeting")
        #expect((stored["key_id"] as? String)?.count == 40)
        #expect(stored["hashed"] as? Bool == true)
        #expect(stored["value_bytes"] as? Int == 5)
        #expect(stored["stored_on"] as? [String] == [seed.address])
        #expect(stored["queries"] is Int)

        let got = try result(2)
        #expect(got["key_id"] as? String == stored["key_id"] as? String)
        let value = try #require((got["values"] as? [[String: Any]])?.first)
        #expect(value["text"] as? String == "hello")
        #expect(value["bytes"] as? Int == 5)
        #expect(value["hex"] == nil)
        #expect(got["sources"] as? Int ?? 0 >= 1)

        #expect((records[3]["error"] as? String)?.hasPrefix("no value under 'missing-key'") == true)
        #expect(records[3]["result"] == nil)

        let peer = try #require((try result(4)["nodes"] as? [[String: Any]])?.first)
        #expect(peer["address"] as? String == seed.address)
        #expect((peer["id"] as? String)?.count == 40)
        #expect(peer["failures"] as? Int == 0)
        #expect(peer["bucket"] is Int)
        #expect(peer["last_seen_seconds_ago"] is Int)

        let file = try #require((try result(5)["files"] as? [[String: Any]])?.first)
        #expect(file["path"] as? String == "notes.txt")
        #expect(file["size"] as? Int == 13)
        #expect((file["sha256"] as? String)?.count == 64)
        #expect(file["times_served"] as? Int == 0)

        let stats = try result(6)
        for field in ["uptime_seconds", "routing_table_nodes", "buckets", "packets_in", "packets_out", "bytes_in",
                      "bytes_out", "values_published", "files_shared", "bytes_uploaded", "neighbours"] {
            #expect(stats[field] is Int, "stats.\(field)")
        }
        #expect(stats["values_published"] as? Int == 1)
        #expect((stats["udp_address"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect(stats["share_directory"] as? String == share)
        // The store, and perhaps already the announcement of the shared file's name (a store_value too).
        #expect((((stats["methods"] as? [String: Any])?["store_value"] as? [String: Any])?["succeeded"] as? Int ?? 0) >= 1)

        #expect(try result(7)["entries"] as? [Any] != nil)
        #expect(try result(8)["usage"] as? String == "get <key> [--salt <salt>]")
        #expect(try result(9).isEmpty)
        // stderr is for people: the one failure, as text.
        #expect(run.stderr.hasPrefix("error: no value under 'missing-key'"))
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        _ = try await seed.exit()
    }

    @Test func logLinesNeverSplitAResult() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        // stdout and stderr into one pipe, with every debug log line on.
        let commands = "join \(seed.address)" + String(repeating: "; stats; peers", count: 15)
        let run = try await ChildProcess.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" 2>&1", TestPaths.p2psh,
                                                         "--ephemeral", "--host", "127.0.0.1", "--port", "0", "-v",
                                                         "-c", commands])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(" debug ") }, "logging was on")
        // stats in a pipe: FIELD VALUE lines, sorted, from admin_secret to values_published.
        let blocks = lines.indices.filter { lines[$0].hasPrefix("admin_secret ") }
        #expect(blocks.count == 15)
        for start in blocks {
            let end = try #require(lines[start...].firstIndex { $0.hasPrefix("values_published ") })
            let block = lines[start...end]
            #expect(block.count >= 25)
            #expect(block.allSatisfy { $0.wholeMatch(of: /[a-z0-9_.]+ \S.*/) != nil }, "\(block.joined(separator: "\n"))")
        }
        _ = try await seed.exit()
    }
}
