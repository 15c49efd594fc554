import Foundation
import Testing
import TestSupport

/// `fetch` and `files` with names from the network: hostile names, names already there,
/// and one name for two files. Separate `p2psh` processes through pipes.
@Suite(.timeLimit(.minutes(3))) struct FetchHabitsTests {
    typealias Sharer = FileSharingProcessTests.Sharer

    func sha256(_ text: String) async throws -> String {
        let file = TestPaths.temporaryDirectory() + "/content"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return String(try await ChildProcess.run("/usr/bin/sha256sum", [file]).stdout.prefix(64))
    }

    @Test func namesFromTheNetworkCannotDriveTheTerminalOrNameAFileBadly() async throws {
        let provider = try await Sharer.start(files: ["new\nline.txt": Data("one\n".utf8),
                                                      "red\u{1B}[41m.txt": Data("two\n".utf8)])
        defer { provider.shell.child.terminate() }
        provider.shell.child.send("files\n")
        let listed = try await provider.shell.child.waitForLine(containing: "red\\x1b[41m.txt")
        #expect(!listed.contains("\u{1B}"))
        _ = try await provider.shell.child.waitForLine(containing: "new\\nline.txt")

        let target = TestPaths.temporaryDirectory()
        let one = try await sha256("one\n"), two = try await sha256("two\n")
        let run = try await p2psh(["--ephemeral", "--port", "0", "--bootstrap", provider.shell.address],
                                  input: "fetch \(one) --to \(target)\nfetch \(two) --to \(target)\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("\u{1B}"), "\(run.stdout)")
        #expect(run.stdout.split(separator: "\n").count == 3, "the bootstrap line and one line per fetch: \(run.stdout)")
        let names = try FileManager.default.contentsOfDirectory(atPath: target).sorted()
        #expect(names == ["new_line.txt", "red_[41m.txt"])
        #expect(try await provider.shell.exit() == 0)
    }

    @Test func aFileAlreadyThereIsNotFetchedAgainAndADifferentOneIsNeverReplaced() async throws {
        let provider = try await Sharer.start(files: ["notes.txt": Data("shared notes\n".utf8)])
        defer { provider.shell.child.terminate() }
        let target = TestPaths.temporaryDirectory()
        let start = ["--ephemeral", "--port", "0", "--bootstrap", provider.shell.address, "--keep-going"]
        let first = try await p2psh(start, input: "fetch notes.txt --to \(target)\nfetch notes.txt --to \(target)\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("already_there ") && first.stdout.contains(" \(target)/notes.txt\n"), "\(first.stdout)")

        let other = TestPaths.temporaryDirectory()
        try Data("my own notes\n".utf8).write(to: URL(fileURLWithPath: other + "/notes.txt"))
        let clash = try await p2psh(start, input: "fetch notes.txt --to \(other)\nfetch notes.txt --to \(other) --as theirs.txt\n")
        #expect(clash.status == 1)
        #expect(clash.stderr.contains("already exists and holds other content: give another name with --as NAME"),
                "\(clash.stderr)")
        #expect(try String(contentsOfFile: other + "/notes.txt", encoding: .utf8) == "my own notes\n")
        #expect(try String(contentsOfFile: other + "/theirs.txt", encoding: .utf8) == "shared notes\n")
        #expect(try await provider.shell.exit() == 0)
    }

    @Test func oneNameForTwoFilesAsksWhichOne() async throws {
        let a = try await Sharer.start(files: ["dup.txt": Data("version a\n".utf8)])
        defer { a.shell.child.terminate() }
        let b = try await Sharer.start(files: ["dup.txt": Data("version b\n".utf8)])
        defer { b.shell.child.terminate() }
        b.shell.child.send("join \(a.shell.address)\n")
        _ = try await b.shell.child.waitForLine(containing: "joined")
        let shaA = try await sha256("version a\n"), shaB = try await sha256("version b\n")
        let target = TestPaths.temporaryDirectory()
        let start = ["--ephemeral", "--port", "0", "--bootstrap", a.shell.address]
        // Both name records must be in the DHT before asking: they are announced within seconds.
        var run = (status: Int32(0), stdout: "", stderr: "")
        let bothListed = try await eventually(timeout: .seconds(20), every: .milliseconds(500)) {
            // A fetch that found only one name record fetched it: start again from an empty directory.
            try FileManager.default.contentsOfDirectory(atPath: target).forEach {
                try FileManager.default.removeItem(atPath: target + "/" + $0)
            }
            run = try await p2psh(start, input: "fetch dup.txt --to \(target)\n")
            return run.stderr.contains(shaA) && run.stderr.contains(shaB)
        }
        #expect(bothListed, "\(run.stderr)")
        #expect(run.status == 1)
        #expect(run.stderr.contains("\"dup.txt\" names 2 different files; choose one with 'fetch SHA256'"), "\(run.stderr)")
        #expect(run.stderr.contains("\(shaA)  10 bytes  1 provider"))
        #expect(run.stderr.contains("\(shaB)  10 bytes  1 provider"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty, "nothing was guessed")
        let chosen = try await p2psh(start, input: "fetch \(shaB) --to \(target)\n")
        #expect(chosen.status == 0, "\(chosen.stderr)")
        #expect(try String(contentsOfFile: target + "/dup.txt", encoding: .utf8) == "version b\n")
        #expect(try await a.shell.exit() == 0)
        #expect(try await b.shell.exit() == 0)
    }

    @Test func tildeIsHome() async throws {
        let home = TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: home + "/pub", withIntermediateDirectories: true)
        try Data("from home\n".utf8).write(to: URL(fileURLWithPath: home + "/pub/x.txt"))
        let share = TestPaths.temporaryDirectory()
        let run = try await ChildProcess.run(TestPaths.p2psh, ["--ephemeral", "--port", "0", "--share", share,
                                                              "-c", "share ~/pub/x.txt"], environment: ["HOME": home])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOfFile: share + "/x.txt", encoding: .utf8) == "from home\n")
    }
}
