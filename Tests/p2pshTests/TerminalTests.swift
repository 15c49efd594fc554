import Foundation
import Testing
import TestSupport

/// The shell on a real pseudo-terminal, with libedit active.
@Suite(.timeLimit(.minutes(1))) struct TerminalTests {
    /// Runs p2psh under `pty_drive.py` with the given steps; returns its transcript.
    ///
    /// After each prompt the driver waits a moment before typing, as a person would: libedit
    /// switches the terminal to raw mode only as it starts reading, and a control key typed
    /// before that is handled by the kernel's cooked mode (where Ctrl-D on an empty line is lost).
    func drive(_ arguments: [String], _ steps: [[String: Any]], environment: [String: String] = [:]) async throws -> String {
        let steps = steps.flatMap { step -> [[String: Any]] in
            (step["expect"] as? String) == "p2psh> " ? [step, ["sleep": 0.3]] : [step]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        let result = try await ChildProcess.run("/usr/bin/python3",
                                                [TestPaths.fixture("pty_drive.py"), TestPaths.p2psh] + arguments,
                                                input: json, environment: environment, timeout: 40)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        return result.stdout
    }

    @Test func promptCompletionCtrlCAndCtrlD() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--data-dir", directory, "--host", "127.0.0.1", "--port", "0"]
        let transcript = try await drive(arguments, [
            ["expect": "Type 'help' for the verbs."],
            ["expect": "p2psh> "],
            // TAB completes a partial verb: "sta" TAB Enter runs stats.
            ["send": "sta"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2],
            ["send": "\r"], ["expect": "uptime:"], ["expect": "p2psh> "],
            // Ctrl-C abandons the line: it is not run.
            ["send": "bogus words"], ["sleep": 0.2], ["send": "\u{3}"], ["expect": "^C"], ["expect": "p2psh> "],
            ["send": "help get\r"], ["expect": "USAGE: get <key>"], ["expect": "p2psh> "],
            // Ctrl-R searches history: "hel" finds "help get", and Enter runs it.
            ["send": "\u{12}"], ["sleep": 0.2], ["send": "hel"], ["sleep": 0.2], ["send": "\r"],
            ["expect": "USAGE: get <key>"], ["expect": "p2psh> "],
            // Ctrl-D on an empty line leaves cleanly.
            ["send": "\u{4}"], ["exit": 0],
        ])
        #expect(!transcript.contains("unknown command 'bogus'"))
        #expect(FileManager.default.fileExists(atPath: directory + "/history"))

        // A new session recalls the previous one's commands with the up arrow, and `history` lists them.
        let second = try await drive(arguments, [
            ["expect": "p2psh> "],
            ["send": "\u{1b}[A\u{1b}[A"], ["sleep": 0.3], ["send": "\r"], ["expect": "uptime:"], ["expect": "p2psh> "],
            ["send": " help\r"], ["expect": "Network:"], ["expect": "p2psh> "],
            ["send": "history\r"], ["expect": "history"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(second.contains("uptime:"))
        let kept = try String(contentsOfFile: directory + "/history", encoding: .utf8).split(separator: "\n")
        #expect(kept == ["help get", "stats", "history", "exit"], "the recalled stats moved to the end; ' help' was not kept")
    }

    @Test func sigtermAtThePromptLeavesCleanlyAndKeepsHistory() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await drive(["--data-dir", directory, "--host", "127.0.0.1", "--port", "0"], [
            ["expect": "p2psh> "], ["send": "peers\r"], ["expect": "p2psh> "],
            ["signal": Int(SIGTERM)], ["exit": 143],
        ])
        let history = try String(contentsOfFile: directory + "/history", encoding: .utf8)
        #expect(history.contains("peers"))
    }

    @Test func ctrlCDuringACommandReturnsToThePromptAndTheNodeKeepsAnswering() async throws {
        let port = try freeUDPPort()
        // Another node joining this one must get its ping answered: during the long command, and after it.
        let pinger = [TestPaths.p2psh, "--ephemeral", "--host", "127.0.0.1", "--port", "0", "-c", "join 127.0.0.1:\(port)"]
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "\(port)", "--http-port", "0"], [
            ["expect": "p2psh> "],
            // Nobody listens on port 9: join would wait out its timeout.
            ["send": "join 127.0.0.1:9\r"], ["sleep": 0.3],
            ["run": pinger, "status": 0],
            ["send": "\u{3}"],
            ["expect": "join: interrupted"], ["expect": "p2psh> "],
            ["run": pinger, "status": 0],
            ["send": "peers\r"], ["expect": "FAILS"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(transcript.contains("join: interrupted"))
    }

    @Test func tabCompletesAPeerAddressFromTheRoutingTableAndListsCandidatesOnASecondTab() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0", "--bootstrap", seed.address], [
            ["expect": "joined \(seed.address)"], ["expect": "p2psh> "],
            // The address was never typed: it comes from the routing table that --bootstrap filled.
            ["send": "join 127.0"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\r"],
            ["expect": "joined \(seed.address)"], ["expect": "p2psh> "],
            // One TAB on an ambiguous word rings the bell; the second lists the candidates, as bash does.
            ["send": "s"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\t"],
            ["expect": "sample  share   stats   store   swarm"], ["send": "\u{15}"], ["sleep": 0.1],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(!transcript.contains("error:"), "\(transcript)")
        _ = try await seed.exit()
    }

    @Test func tabCompletesBansForUnbanAndTableNodesForForget() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0", "--bootstrap", seed.address], [
            ["expect": "joined \(seed.address)"], ["expect": "p2psh> "],
            ["send": "ban 198.51.100.0/24\r"], ["expect": "banned 198.51.100.0/24"], ["expect": "p2psh> "],
            // The ban was never typed after 'unban': it comes from the bans in force.
            ["send": "unban 19"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\r"],
            ["expect": "lifted the ban on 198.51.100.0/24"], ["expect": "p2psh> "],
            ["send": "forget 127.0"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\r"],
            ["expect": "at \(seed.address)"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(!transcript.contains("error:"), "\(transcript)")
        _ = try await seed.exit()
    }

    @Test func ctrlCEndsAWatchAndTheShellGoesOn() async throws {
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0"], [
            ["expect": "p2psh> "],
            ["send": "store watched here\r"], ["expect": "kept here"], ["expect": "p2psh> "],
            ["send": "watch watched\r"], ["expect": "here"], ["sleep": 0.5],
            ["send": "\u{3}"], ["expect": "watched: 1 value"], ["expect": "p2psh> "],
            ["send": "stats\r"], ["expect": "uptime:"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(!transcript.contains("error:"), "Ctrl-C is how a watch ends: \(transcript)")
    }

    @Test func aSilentAddressSaysWhatItWaitsForAtStartAndOnPing() async throws {
        let silent = try SilentUDPPeer()
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0", "--bootstrap", silent.address], [
            // Before any prompt: the banner, then what the start waits for.
            ["expect": "waiting for \(silent.address) to answer (a silent address takes 9 s; Ctrl-C stops)"],
            ["send": "\u{3}"], ["expect": "p2psh> "],
            ["send": "ping \(silent.address)\r"], ["expect": "waiting for \(silent.address) to answer (up to 9 s; Ctrl-C stops)"],
            ["send": "\u{3}"], ["expect": "ping: interrupted"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(!transcript.contains("unknown command"), "\(transcript)")
    }

    @Test func thePromptNeverWaitsForANeighbourThatStalls() async throws {
        // (The neighbour prints only its port.)
        let state = TestPaths.temporaryDirectory() + "/open"
        let neighbour = try ChildProcess("/usr/bin/python3", [TestPaths.fixture("stalling_neighbour.py"), state])
        defer { neighbour.terminate() }
        #expect(await eventually { neighbour.stdout.hasSuffix("\n") })
        let port = neighbour.stdout
        // Completion asks the neighbour what it shares after each command; the neighbour holds
        // that request for 2 s. Right after the prompt comes back, the request is still open: the
        // prompt did not wait for it.
        let requestOpen = ["/usr/bin/python3", "-c", """
            import time, sys
            for _ in range(30):
                if open("\(state)").read().strip() not in ("", "0"): sys.exit(0)
                time.sleep(0.05)
            sys.exit(1)
            """]
        _ = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0"], [
            ["expect": "p2psh> "],
            ["send": "join 127.0.0.1:\(port.trimmingCharacters(in: .whitespacesAndNewlines))\r"], ["expect": "joined"],
            ["expect": "p2psh> "], ["run": requestOpen, "status": 0],
            ["send": "exit\r"], ["exit": 0],
        ])
    }

    @Test func manyCandidatesAreListedOnlyAfterAskingAsBashDoes() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for index in 0..<150 { try Data().write(to: URL(fileURLWithPath: directory + "/file\(index).txt")) }
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0"], [
            ["expect": "p2psh> "],
            // The first TAB extends "fi" to "file"; still ambiguous, so the second lists at once (as bash does).
            ["send": "share \(directory)/fi"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\t"],
            ["expect": "Display all 150 possibilities? (y or n)"], ["send": "n"], ["sleep": 0.2],
            // Still nothing to complete: the next TAB asks again.
            ["send": "\t"],
            ["expect": "Display all 150 possibilities? (y or n)"], ["send": "y"], ["expect": "file99.txt"],
            ["send": "\u{15}"], ["sleep": 0.1], ["send": "exit\r"], ["exit": 0],
        ])
        let parts = transcript.components(separatedBy: "Display all 150 possibilities? (y or n)")
        #expect(parts.count == 3)
        #expect(!parts[1].contains("file0.txt"), "'n' lists nothing")
        #expect(parts[2].contains("file0.txt"), "'y' lists them all")
    }

    @Test func errorsAreRedOnATerminalUnlessNoColorIsSet() async throws {
        let arguments = ["--ephemeral", "--host", "127.0.0.1", "--port", "0"]
        let steps: [[String: Any]] = [
            ["expect": "p2psh> "], ["send": "bogus\r"], ["expect": "unknown command"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ]
        // An empty NO_COLOR counts as unset (no-color.org).
        let coloured = try await drive(arguments, steps, environment: ["NO_COLOR": ""])
        #expect(coloured.contains("\u{1B}[1;31merror:\u{1B}[0m unknown command 'bogus'"))
        let plain = try await drive(arguments, steps, environment: ["NO_COLOR": "1"])
        #expect(plain.contains("error: unknown command 'bogus'"))
        #expect(!plain.contains("\u{1B}[1;31m"))
    }

    /// A UDP port that was free a moment ago.
    func freeUDPPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ChildProcess.Timeout(description: "no free UDP port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(arguments: [60, 80])
    func fetchShowsAProgressLineOnATerminalAndThenTheResult(columns: Int) async throws {
        let share = TestPaths.temporaryDirectory()
        let content = Data((0..<(6 * 1_048_576)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        try content.write(to: URL(fileURLWithPath: share + "/movie.bin"))
        let seed = try await ShellProcess.start(["--ephemeral", "--share", share])
        defer { seed.child.terminate() }
        let mine = TestPaths.temporaryDirectory()
        let transcript = try await drive(["--ephemeral", "--host", "127.0.0.1", "--port", "0", "--share", mine], [
            ["resize": [24, columns]],
            ["expect": "p2psh> "],
            ["send": "join \(seed.address)\r"], ["expect": "joined"], ["expect": "p2psh> "],
            ["send": "fetch movie.bin\r"], ["expect": "fetched "], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(transcript.contains("Using h(name:movie.bin) = "))
        #expect(transcript.contains("movie.bin  "), "a progress line was drawn")
        #expect(transcript.contains("/ 6.0 MiB"))
        #expect(transcript.contains("\r\u{1B}[K"), "and erased before the result")
        // Each drawing of the progress line fits the terminal, so it never wraps.
        let drawings = transcript.components(separatedBy: "\r\u{1B}[K").dropFirst()
            .map { $0.prefix { $0 != "\r" && $0 != "\n" } }.filter { $0.contains("/ 6.0 MiB") }
        #expect(!drawings.isEmpty)
        for drawing in drawings { #expect(drawing.count < columns, "\(drawing.count) columns: \(drawing)") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: mine + "/movie.bin")) == content)
        _ = try await seed.exit()
    }
}
