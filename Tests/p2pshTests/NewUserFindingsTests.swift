import Foundation
import Testing
import TestSupport
@testable import p2psh
@testable import FileSharing

/// Smaller things a new user hit (issue 20), each pinned.
@Suite struct NewUserFindingsTests {
    @Test func wordsFromDhtnodeAndRedisCliGetAHint() {
        #expect(VerbRegistry.hint(for: "q") == "did you mean 'quit'?")
        #expect(VerbRegistry.hint(for: "x") == "did you mean 'exit'?")
        #expect(VerbRegistry.hint(for: "h") == "did you mean 'help'?")
        #expect(VerbRegistry.hint(for: "?") == "did you mean 'help'?")
    }

    @Test func aLongKeyIsNotEchoedWhole() {
        let key = DHTKey(String(repeating: "k", count: 5000))
        #expect(key.usingLine.count < 120 && key.usingLine.contains("(5000 characters)"))
        #expect(Shell.unknownVerbMessage(String(repeating: "z", count: 5000)).count < 120)
    }

    @Test func anUnknownOptionIsNamedEvenWhenItsValueLooksLikeAScript() async throws {
        let run = try await ChildProcess.run(TestPaths.p2psh, ["-n", "5", "-c", "stats"])
        #expect(run.status == 64 && run.stderr.contains("unknown option '-n'"), "\(run.stderr)")
        let both = try await ChildProcess.run(TestPaths.p2psh, ["-k", "5", "-c", "stats"])
        #expect(both.status == 64 && both.stderr.contains("give either -c COMMANDS or a script file, not both"))
    }

    @Test func anEmptyKeyIsRefusedAndControlBytesAreNeverEchoed() async throws {
        let run = try await p2psh(["--ephemeral", "--port", "0", "-k", "-c", "store \"\" v; get \"\""], input: "")
        #expect(run.status == 1)
        #expect(run.stderr.components(separatedBy: "the key is empty: give a name, or 40 hex digits").count == 3, "\(run.stderr)")
        let escape = try await p2psh(["--ephemeral", "--port", "0"], input: "bo\u{1b}[31mgus\n")
        #expect(escape.stderr.contains("unknown command 'bo\\x1b[31mgus'"), "\(escape.stderr)")
        #expect(!escape.stderr.contains("\u{1b}[31m"), "no raw escape reaches the terminal")
    }

    @Test func anApostropheInAnUnquotedValueIsPartOfIt() async throws {
        let run = try await p2psh(["--ephemeral", "--port", "0", "-c", "store q it's mine; get q"], input: "")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("it's mine\n"), "\(run.stdout)")
    }

    @Test func theQuotingFooterIsShownOnlyForVerbsThatTakeWords() async throws {
        let run = try await p2psh(["--ephemeral", "--port", "0", "-c", "help exit; help stats; help get; help store"], input: "")
        let topics = run.stdout.components(separatedBy: "USAGE: ").dropFirst()
        #expect(topics.count == 4)
        let footer = "A word that begins with '-' is an option"
        #expect(topics.map { $0.contains(footer) } == [false, false, true, true], "\(run.stdout)")
        #expect(topics.map { $0.contains("VALUE is the rest of the command") } == [false, false, false, true])
        #expect(run.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "help fits 80 columns")
    }
}

/// A resumed fetch's rate counts only what this fetch downloaded.
@Suite struct ResumedFetchRateTests {
    @Test func theRateOfAResumedFetchCountsOnlyTheBytesItFetched() {
        let console = Console(format: .text, decorated: true, palette: Palette(enabled: false), errorPalette: Palette(enabled: false))
        let report = FetchReport(path: "/tmp/big.bin", size: 100 << 20, sha256: String(repeating: "a", count: 64), providers: 1,
                                 seconds: 2, bytesFetched: 10 << 20, resumedPieces: 90, alreadyPresent: false, shared: true,
                                 copied: false)
        let line = report.lines(for: console).joined()
        #expect(line.contains("in 2.0 s  5.0 MiB/s"), "10 MiB in 2 s, not 100: \(line)")
        #expect(line.contains("(90 pieces resumed)"))
    }
}
