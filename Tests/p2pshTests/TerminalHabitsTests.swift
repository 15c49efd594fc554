import Foundation
import PeerKit
import Testing
import TestSupport
@testable import p2psh

/// What a new user broke at the terminal in ten minutes (issue 9), on a real
/// pseudo-terminal with the real binary and libedit.
@Suite(.timeLimit(.minutes(2))) struct TerminalHabitsTests {
    let node = ["--ephemeral", "--host", "127.0.0.1", "--port", "0"]

    /// Runs `program` under `pty_drive.py`; the driver pauses after each prompt, as a person would.
    func drive(_ program: [String], _ steps: [[String: Any]], environment: [String: String] = [:]) async throws -> String {
        let steps = steps.flatMap { step -> [[String: Any]] in
            (step["expect"] as? String) == "p2psh> " ? [step, ["sleep": 0.3]] : [step]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        let result = try await ChildProcess.run("/usr/bin/python3", [TestPaths.fixture("pty_drive.py")] + program,
                                                input: json, environment: environment, timeout: 40)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        return result.stdout
    }

    /// The transcript as it reads on the screen's line: libedit's cursor moves (`ESC[19G`) taken out.
    func visible(_ transcript: String) -> String {
        transcript.replacing(/\r?\x1B\[[0-9;]*[A-Za-z]/, with: "")
    }

    @Test func ctrlCAtAnEmptyPromptNeverEndsTheSession() async throws {
        let transcript = try await drive([TestPaths.p2psh] + node, [
            ["expect": "p2psh> "],
            ["send": "\u{3}"], ["expect": "^C"], ["expect": "p2psh> "],
            ["send": "half typed"], ["sleep": 0.2], ["send": "\u{3}"], ["expect": "^C"], ["expect": "p2psh> "],
            ["send": "\u{3}"], ["expect": "^C"], ["expect": "p2psh> "],
            ["send": "\u{3}"], ["expect": "^C"], ["expect": "p2psh> "],
            ["send": "help get\r"], ["expect": "USAGE: get <key>"], ["expect": "p2psh> "],
            ["send": "\u{4}"], ["exit": 0],
        ])
        #expect(!transcript.contains("unknown command 'half'"))
    }

    @Test func utf8TypedAtThePromptIsTheSameTextAScriptWouldSend() async throws {
        let directory = TestPaths.temporaryDirectory()
        let typed = "get 日本語 値は日本語です 🎉"
        // No locale in the environment at all, as under a bare tmux: typed text is still UTF-8.
        for environment in [["LANG": "C.UTF-8"], ["LC_ALL": "C.UTF-8"], ["LANG": "", "LC_ALL": ""]] {
            let transcript = try await drive([TestPaths.p2psh, "--data-dir", directory, "--host", "127.0.0.1", "--port", "0"], [
                ["expect": "p2psh> "],
                ["send": "get 日本語\r"], ["expect": "no peers known"], ["expect": "p2psh> "],
                ["send": typed + "\r"], ["expect": "p2psh> "],
                ["send": "exit\r"], ["exit": 0],
            ], environment: environment)
            #expect(transcript.contains("Using h(日本語) = \(DHTKey("日本語").id.hex)"), "\(environment): \(transcript)")
            let history = try String(contentsOfFile: directory + "/history", encoding: .utf8)
            #expect(history.split(separator: "\n").map(String.init).contains(typed), "\(environment): \(history)")
        }
    }

    @Test func keyboardInButStdoutPipedIsStillAnInteractiveSession() async throws {
        let log = TestPaths.temporaryDirectory() + "/session.log"
        let command = "exec \"$0\" \"$@\" | cat > '\(log)'"
        let transcript = try await drive(["/bin/sh", "-c", command, TestPaths.p2psh] + node, [
            ["expect": "p2psh> "],
            ["send": "bogus\r"], ["expect": "unknown command 'bogus'"], ["expect": "p2psh> "],
            ["send": "help g"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\r"], ["expect": "p2psh> "],
            ["send": "\u{4}"], ["exit": 0],
        ])
        #expect(visible(transcript).contains("help get "), "TAB completed on the terminal")
        #expect(!transcript.contains("USAGE: get"), "results go down the pipe")
        let written = try String(contentsOfFile: log, encoding: .utf8)
        #expect(written.contains("USAGE: get <key>"))
        #expect(!written.contains("p2psh>"), "the prompt stays on the terminal")
    }

    @Test func tildeCompletesFromHome() async throws {
        let home = TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: home + "/public-stuff", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: home + "/public-stuff/only.txt"))
        let transcript = try await drive([TestPaths.p2psh] + node, [
            ["expect": "p2psh> "],
            ["send": "share ~/pub"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.2],
            ["send": "\r"], ["expect": "p2psh> "],
            ["send": "exit\r"], ["exit": 0],
        ], environment: ["HOME": home])
        #expect(visible(transcript).contains("share ~/public-stuff/only.txt"), "\(transcript)")
    }

    @Test func resizingWhileTypingRedrawsTheLine() async throws {
        let long = "store k " + String(repeating: "abcdefghij", count: 9)
        let transcript = try await drive([TestPaths.p2psh] + node, [
            ["expect": "p2psh> "],
            ["send": long], ["sleep": 0.3], ["expect": "abcdefghij"],
            ["resize": [24, 40]], ["sleep": 0.5], ["send": "XYZ"], ["sleep": 0.3],
            ["send": "\u{15}"], ["sleep": 0.2], ["send": "exit\r"], ["exit": 0],
        ])
        // The redraw: up to the prompt's row in the new width ((7 + 98) / 40 = 2 rows), clear
        // below, then the prompt and the whole line again.
        let redraw = try #require(transcript.range(of: "\r\u{1B}[2A\u{1B}[J"), "\(transcript.debugDescription)")
        let after = transcript[redraw.upperBound...]
        #expect(after.contains("p2psh> "), "the prompt is drawn again")
        #expect(after.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
            .contains("abcdefghij" + "abcdefghij"), "and the line")
    }

    @Test func aTabThatExtendsAWordLetsTheNextTabList() async throws {
        let first = try await ShellProcess.start()
        defer { first.child.terminate() }
        let second = try await ShellProcess.start()
        defer { second.child.terminate() }
        let transcript = try await drive([TestPaths.p2psh] + node + ["--bootstrap", first.address, "--bootstrap", second.address], [
            ["expect": "p2psh> "],
            ["send": "ping 1"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.3], ["send": "\t"], ["sleep": 0.3],
            ["expect": first.address], ["send": "\u{15}"], ["sleep": 0.1],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(visible(transcript).contains("ping 127.0.0.1:"), "the first TAB extended the word")
        #expect(transcript.contains(second.address), "the second listed both")
        _ = try await first.exit()
        _ = try await second.exit()
    }

    @Test func fetchCompletesNamesNeighboursShare() async throws {
        let share = TestPaths.temporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: share + "/neighbour-report.pdf"))
        try Data("y".utf8).write(to: URL(fileURLWithPath: share + "/neighbour-notes.txt"))
        let seed = try await ShellProcess.start(["--ephemeral", "--share", share])
        defer { seed.child.terminate() }
        let transcript = try await drive([TestPaths.p2psh] + node, [
            ["expect": "p2psh> "],
            ["send": "join \(seed.address)\r"], ["expect": "joined"], ["expect": "p2psh> "],
            ["send": "fetch neigh"], ["sleep": 0.2], ["send": "\t"], ["sleep": 0.3], ["send": "\t"],
            ["expect": "neighbour-report.pdf"], ["send": "\u{15}"], ["sleep": 0.1],
            ["send": "exit\r"], ["exit": 0],
        ])
        #expect(transcript.contains("neighbour-notes.txt"))
        _ = try await seed.exit()
    }

    @Test func filesOnAnEphemeralNodeGivesAdviceThatWorksThere() async throws {
        let transcript = try await drive([TestPaths.p2psh] + node, [
            ["expect": "p2psh> "], ["send": "files\r"], ["expect": "p2psh> "], ["send": "exit\r"], ["exit": 0],
        ])
        #expect(transcript.contains("start p2psh with --share DIR"), "\(transcript)")
        #expect(!transcript.contains("use 'share PATH'"))
    }

    @Test func tablesAlignByTerminalCells() {
        let lines = Formatting.table([["日本語.txt", "1"], ["ab", "2"], ["🎉", "3"]])
        #expect(lines == ["日本語.txt  1", "ab          2", "🎉          3"])
        #expect("new\nline\u{1B}[41m\u{202E}".printable == "new\\nline\\x1b[41m\\u{202e}")
    }
}

/// Log lines that arrive while a line is typed (issue 20): they go above it, and the prompt
/// and the typed text are drawn again below them, intact.
@Suite(.timeLimit(.minutes(2))) struct LogWhileTypingTests {
    @Test func aLogLineWhileTypingLeavesTheTypedTextIntactOnTheLastLine() async throws {
        let seed = try await ShellProcess.start(["--ephemeral", "-k"])
        defer { seed.child.terminate() }
        let habits = TerminalHabitsTests()
        let session = Task {
            try await habits.drive([TestPaths.p2psh, "--ephemeral", "--host", "127.0.0.1", "--port", "0"], [
                ["expect": "p2psh> "],
                ["send": "log debug\r"], ["expect": "p2psh> "],
                ["send": "join \(seed.address)\r"], ["expect": "joined"], ["expect": "p2psh> "],
                ["send": "store typed-key half typed"], ["sleep": 3.0],
                ["send": " and finished\r"], ["expect": "stored on"], ["expect": "p2psh> "],
                ["send": "exit\r"], ["exit": 0],
            ])
        }
        // While the text waits at the prompt, the seed pings the node: each ping is a debug line there.
        var node: Substring?
        for _ in 0..<100 where node == nil {
            node = try await seed.output(of: "peers").split(separator: "\n").first?.split(separator: " ").dropFirst().first
            if node == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let address = try #require(node)
        try await Task.sleep(for: .milliseconds(800))
        for _ in 0..<3 { _ = try await seed.output(of: "ping \(address)") }
        let transcript = try await session.value
        let screen = habits.visible(transcript)
        // What each drawing leaves on a line: split where the cursor returns, escapes taken out.
        let lines = transcript.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map { habits.visible(String($0)) }
        #expect(lines.contains { $0.contains("query received") && $0.contains("method=ping") }, "\(screen)")
        #expect(!lines.contains { $0.contains("query received") && $0.contains("store typed-key") },
                "no log line inside the typed text: \(lines.filter { $0.contains("store typed-key") })")
        let afterLastLog = try #require(screen.components(separatedBy: "method=ping").last)
        #expect(afterLastLog.contains("p2psh> store typed-key half typed"), "the typed text is drawn again below: \(afterLastLog)")
        #expect(try await seed.output(of: "get typed-key").contains("half typed and finished"))
    }
}
