import Foundation
import Testing
import TestSupport
@testable import p2psh

/// What a new user broke in ten minutes (issue 9), each as separate `p2psh` processes
/// through pipes.
@Suite(.timeLimit(.minutes(3))) struct ShellHabitsTests {
    let node = ["--ephemeral", "--port", "0"]

    @Test func everyVerbAnswersHelpAndH() async throws {
        for verb in VerbRegistry.verbs.map({ $0.verbName }) {
            let run = try await p2psh(node + ["-c", "\(verb) --help; \(verb) -h"], input: "")
            #expect(run.status == 0, "\(verb): \(run.stderr)")
            #expect(run.stdout.components(separatedBy: "USAGE: \(verb)").count == 3, "\(verb): \(run.stdout)")
            #expect(run.stderr.isEmpty, "\(verb): \(run.stderr)")
        }
        let json = try await p2psh(node + ["--json", "-c", "store --help"], input: "")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(record["ok"] as? Bool == true)
        #expect((record["result"] as? [String: Any])?["usage"] as? String == "store <key> <value> ...")
    }

    @Test func wordsThatBeginWithADashAreValuesWhenQuotedAfterAKeyOrAfterDoubleDash() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let script = """
            join \(seed.address)
            store neg -5
            store flag hello --world
            store k "--help"
            store "-weird" x
            get neg
            get flag
            get k
            get "-weird"
            get -- -weird
            """
        let run = try await p2psh(node, input: script + "\n")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.suffix(5)) == ["-5", "hello --world", "--help", "x", "x"], "\(run.stdout)")
        // Unquoted, an unknown option is still an error, with the usage.
        let unquoted = try await p2psh(node + ["-c", "get -weird"], input: "")
        #expect(unquoted.status == 1)
        #expect(unquoted.stderr.contains("unknown option '-weird': to use a word that begins with '-' as an argument, "
                                         + "quote it (\"-weird\") or put it after '--'"), "\(unquoted.stderr)")
        #expect(unquoted.stderr.contains("usage: get <key>"), "\(unquoted.stderr)")
        #expect(try await seed.exit() == 0)
    }

    @Test func sigtermWhileAScriptCommandRunsExits143() async throws {
        // A node that never answers: the join waits until the signal. Its first ping arriving
        // there shows that the join is running.
        let silent = try SilentUDPPeer()
        let child = try ChildProcess(TestPaths.p2psh, ["--host", "127.0.0.1"] + node)
        defer { child.terminate() }
        child.send("help get\njoin \(silent.address)\nstats\n")
        _ = try await child.waitForLine(containing: "USAGE: get")
        try #require(await silent.waitForDatagram(timeout: .seconds(20)), "the join sent no ping; stderr: \(child.stderr)")
        child.signal(SIGTERM)
        #expect(try await child.waitForExit(timeout: 5) == 143)
        #expect(!child.stdout.contains("uptime_seconds"), "the rest of the script did not run")
    }

    @Test func startupErrorsSayWhatFailedInTheUsersWords() async throws {
        let file = TestPaths.temporaryDirectory() + "/not-a-directory"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let dataDirectory = try await ChildProcess.run(TestPaths.p2psh, ["--data-dir", file, "--port", "0", "-c", "stats"])
        #expect(dataDirectory.status == 2)
        #expect(dataDirectory.stderr.contains("is a file, not a directory"), "\(dataDirectory.stderr)")
        #expect(!dataDirectory.stderr.contains("Error Domain"), "\(dataDirectory.stderr)")

        let host = try await ChildProcess.run(TestPaths.p2psh, ["--host", "999.1.1.1", "--ephemeral", "-c", "stats"])
        #expect(host.status == 64)
        #expect(host.stderr.contains("999.1.1.1 is not an IP address"), "\(host.stderr)")
        #expect(!host.stderr.contains("SocketAddressError"))

        let unbound = try await ChildProcess.run(TestPaths.p2psh, ["--host", "192.0.2.1", "--ephemeral", "--port", "0",
                                                                  "-c", "stats"])
        #expect(unbound.status == 2)
        #expect(unbound.stderr.contains("192.0.2.1 is not an address of this machine"), "\(unbound.stderr)")
        #expect(!unbound.stderr.contains("IOError"))
    }

    @Test func joinFailsAtOnceWhereNoAnswerCanCome() async throws {
        let started = ContinuousClock.now
        let run = try await p2psh(node + ["-k", "-c", "join 127.0.0.1:0; join [::1]:6881; join 127.0.0.1:99999; store"],
                                  input: "")
        // A join that waited for an answer would alone take its 9 s timeout; the whole run, start-up
        // included, takes a fraction of a second alone but was seen to take 6 s in a full parallel run.
        #expect(started.duration(to: .now) < .seconds(9), "no join waited for its 9 s timeout")
        #expect(run.status == 1)
        #expect(run.stderr.contains("port 0 is out of range"), "\(run.stderr)")
        #expect(run.stderr.contains("is an IPv6 address, and this node listens on IPv4 only"), "\(run.stderr)")
        #expect(run.stderr.contains("port 99999 is out of range"), "\(run.stderr)")
        #expect(run.stderr.contains("error: missing expected argument"), "lower case, like every error: \(run.stderr)")
    }

    @Test func pipedOutputIsOneRecordALineWithoutDecoration() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let run = try await p2psh(node, input: "join \(seed.address)\nstore k v\nstats\nvalues\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains(" ms)"), "no timings in a pipe: \(run.stdout)")
        #expect(!run.stdout.contains("avg ms"), "no table header")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix(" 1 known") && lines[0].split(separator: " ").count == 6, "joined ADDRESS node ID N known: \(lines[0])")
        #expect(lines[1] == "stored on 1 node")
        let stats = lines.dropFirst(2).dropLast(1)
        #expect(stats.allSatisfy { $0.wholeMatch(of: /[a-z0-9_.]+ \S.*/) != nil }, "\(stats.joined(separator: "\n"))")
        #expect(stats.contains("routing_table_nodes 1"))
        #expect(stats.contains("methods.store_value.succeeded 1"))
        #expect(lines.last?.hasPrefix(DHTKey("k").id.hex + " 1 1 ") == true, "values: KEY VALUES BYTES AGE")
        #expect(try await seed.exit() == 0)
    }

    @Test func pingValuesAndLog() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let script = "join \(seed.address); store hostile hé\u{1B}[41m; ping \(seed.address); values; values hostile; "
            + "log; log debug; log; log off"
        let run = try await p2psh(node + ["--json", "-c", script], input: "")
        #expect(run.status == 0, "\(run.stderr)")
        let records = try run.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let results = records.map { $0["result"] as? [String: Any] ?? [:] }
        #expect(records.count == 9)
        let ping = results[2]
        #expect((ping["node_id"] as? String)?.count == 40)
        #expect((ping["external_address"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect(ping["version"] as? String == "PK 0001")
        #expect((ping["milliseconds"] as? Double ?? -1) >= 0)
        let keys = try #require(results[3]["keys"] as? [[String: Any]])
        #expect(keys.map { $0["key_id"] as? String } == [DHTKey("hostile").id.hex])
        let values = try #require(results[4]["values"] as? [[String: Any]])
        #expect(values.first?["text"] as? String == "hé\u{1B}[41m", "JSON keeps the value; only text output escapes it")
        #expect(values.first?["own"] as? Bool == true)
        #expect(results[5]["level"] as? String == "warning")
        #expect(results[7]["level"] as? String == "debug")
        // Printed as text, the control character is escaped.
        let text = try await p2psh(node + ["-c", "join \(seed.address); store hostile hé\u{1B}[41m; values hostile"], input: "")
        #expect(text.stdout.contains("hé\\x1b[41m"), "\(text.stdout)")
        #expect(!text.stdout.contains("\u{1B}"))
        #expect(try await seed.exit() == 0)
    }

    @Test func adminStatsIsTheObjectStatsJsonPrints() async throws {
        let secret = "0123456789abcdef-secret"
        let shell = try await ShellProcess.start(["--ephemeral", "--secret", secret, "--share", TestPaths.temporaryDirectory()])
        defer { shell.child.terminate() }
        let json = try await p2psh(node + ["--json", "-c", "stats"], input: "")
        let local = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let statsKeys = Set(try #require(local["result"] as? [String: Any]).keys)
        shell.child.send("stats\n")
        let line = try await shell.child.waitForLine(containing: "http_address ")
        let address = try #require(line.split(separator: " ").last)
        let curl = try await ChildProcess.run("/usr/bin/curl", ["-s", "-H", "Authorization: Bearer \(secret)",
                                                                "http://\(address)/admin/stats"])
        let remote = try #require(try JSONSerialization.jsonObject(with: Data(curl.stdout.utf8)) as? [String: Any])
        #expect(Set(remote.keys).isSuperset(of: statsKeys.subtracting(["external_address", "database"])), "\(remote.keys)")
        #expect(remote["routing_table_nodes"] is Int)
        #expect(remote["files_shared"] is Int)
        #expect(remote["admin_secret"] as? String == secret)
        #expect(!remote.keys.contains { $0.contains { $0.isUppercase } }, "snake_case")
        #expect(try await shell.exit() == 0)
    }
}
