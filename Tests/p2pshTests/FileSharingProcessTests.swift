import Foundation
import Testing
import TestSupport

/// File sharing between separate `p2psh` processes, driven through pipes, and real `curl`.
@Suite(.timeLimit(.minutes(3))) struct FileSharingProcessTests {
    /// A sharing process: its UDP address and HTTP port, learned from `stats`.
    struct Sharer {
        let shell: ShellProcess
        let httpPort: Int
        let share: String

        static func start(files: [String: Data], extra: [String] = []) async throws -> Sharer {
            let share = TestPaths.temporaryDirectory()
            for (name, data) in files { try data.write(to: URL(fileURLWithPath: share + "/" + name)) }
            let shell = try await ShellProcess.start(["--ephemeral", "--share", share] + extra)
            let line = try await shell.child.waitForLine(containing: "http_address ")
            guard let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                throw ChildProcess.Timeout(description: "no HTTP port in '\(line)'")
            }
            return Sharer(shell: shell, httpPort: port, share: share)
        }
    }

    @Test func threeProcessesShareAFileByNameAndByHash() async throws {
        let content = Data(testBytes(3 * 1_048_576 + 777, seed: 1))
        let a = try await Sharer.start(files: ["notes.bin": content])
        defer { a.shell.child.terminate() }
        let b = try await Sharer.start(files: [:])
        defer { b.shell.child.terminate() }
        b.shell.child.send("join \(a.shell.address)\n")
        _ = try await b.shell.child.waitForLine(containing: "joined")

        let c = TestPaths.temporaryDirectory()
        let elsewhere = TestPaths.temporaryDirectory()
        let sha256 = try await Self.sha256sum(content)
        let script = """
            join \(a.shell.address)
            join \(b.shell.address)
            fetch \(sha256) --to \(elsewhere)
            fetch notes.bin
            files
            fetch no-such-file.bin
            """
        let run = try await p2psh(["--ephemeral", "--port", "0", "--share", c], input: script + "\n", timeout: 90)
        #expect(run.status == 1, "the missing file fails the script")
        #expect(run.stderr.contains("error: no provider has \"no-such-file.bin\""), "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("fetched ") }.count == 2, "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix(sha256) && $0.hasSuffix(" notes.bin") }, "files lists it: SHA256 SIZE SERVED NAME")
        #expect(try Data(contentsOf: URL(fileURLWithPath: c + "/notes.bin")) == content)
        #expect(try Data(contentsOf: URL(fileURLWithPath: elsewhere + "/notes.bin")) == content)
        // No temporary file is left behind under any name.
        #expect(try FileManager.default.contentsOfDirectory(atPath: c) == ["notes.bin"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == ["notes.bin"])
        #expect(try await a.shell.exit() == 0)
        #expect(try await b.shell.exit() == 0)
    }

    @Test func curlDownloadsASharedFileWholeAndByRange() async throws {
        let content = Data(testBytes(200_000, seed: 2))
        let a = try await Sharer.start(files: ["data.bin": content])
        defer { a.shell.child.terminate() }
        let output = TestPaths.temporaryDirectory()
        let whole = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-f", "-o", output + "/whole",
                                                                 "http://127.0.0.1:\(a.httpPort)/files/data.bin"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output + "/whole")) == content)
        let part = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-f", "-r", "1000-1999", "-o", output + "/part",
                                                                "http://127.0.0.1:\(a.httpPort)/files/data.bin"])
        #expect(part.status == 0, "\(part.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output + "/part")) == content[1000..<2000])
        #expect(try await a.shell.exit() == 0)
    }

    @Test func aRemoteAdminFetchNeedsTheSecret() async throws {
        let content = Data(testBytes(50_000, seed: 3))
        let a = try await Sharer.start(files: ["ordered.bin": content])
        defer { a.shell.child.terminate() }
        let secret = "process-test-secret-0123456789"
        let b = try await Sharer.start(files: [:], extra: ["--secret", secret])
        defer { b.shell.child.terminate() }
        b.shell.child.send("join \(a.shell.address)\n")
        _ = try await b.shell.child.waitForLine(containing: "joined")
        let url = "http://127.0.0.1:\(b.httpPort)/admin/fetch?file=ordered.bin"

        let refused = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                                                   "-H", "Authorization: Bearer not-the-secret", url])
        #expect(refused.stdout == "401")
        #expect(!FileManager.default.fileExists(atPath: b.share + "/ordered.bin"))

        let ordered = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-f", "-X", "POST",
                                                                   "-H", "Authorization: Bearer \(secret)", url], timeout: 60)
        #expect(ordered.status == 0, "\(ordered.stderr)")
        #expect(ordered.stdout.contains("\"sha256\""))
        #expect(try Data(contentsOf: URL(fileURLWithPath: b.share + "/ordered.bin")) == content)
        #expect(try await a.shell.exit() == 0)
        #expect(try await b.shell.exit() == 0)
    }

    /// SHA-256 as `/usr/bin/sha256sum` computes it: an independent implementation.
    static func sha256sum(_ data: Data) async throws -> String {
        let file = TestPaths.temporaryDirectory() + "/content"
        try data.write(to: URL(fileURLWithPath: file))
        let result = try await ChildProcess.run("/usr/bin/sha256sum", [file])
        return String(result.stdout.prefix(64))
    }
}

/// `share`, `files` and the admin secret of a node with a data directory.
@Suite(.timeLimit(.minutes(2))) struct ShareVerbTests {
    @Test func shareCopiesAFileInAndFilesListsIt() async throws {
        let data = TestPaths.temporaryDirectory()
        let outside = TestPaths.temporaryDirectory() + "/my notes.txt"
        try Data("hello, share\n".utf8).write(to: URL(fileURLWithPath: outside))
        let script = """
            share '\(outside)'
            share '\(outside)' --as renamed.txt
            share '\(outside)'
            share '\(outside)' --as .hidden
            files
            stats
            """
        let run = try await p2psh(["--data-dir", data, "--port", "0", "--keep-going"], input: script + "\n")
        #expect(run.status == 1, "the hidden name fails")
        #expect(run.stdout.contains("already_shared ") && run.stdout.contains(" my notes.txt\n"),
                "the same content again is no error: \(run.stdout)")
        #expect(!run.stderr.contains("already exists"), "\(run.stderr)")
        #expect(!run.stderr.contains("fetch"), "no fetch-oriented advice for share: \(run.stderr)")
        #expect(run.stderr.contains("hidden"), "\(run.stderr)")
        let shared = try FileManager.default.contentsOfDirectory(atPath: data + "/files").sorted()
        #expect(shared == ["my notes.txt", "renamed.txt"])
        #expect(try String(contentsOfFile: data + "/files/renamed.txt", encoding: .utf8) == "hello, share\n")
        #expect(run.stdout.split(separator: "\n").contains { $0.hasPrefix("sharing ") && $0.hasSuffix(" my notes.txt") })
        let listed = run.stdout.split(separator: "\n").filter { $0.hasSuffix(" 0 my notes.txt") || $0.hasSuffix(" 0 renamed.txt") }
        #expect(listed.count == 2)

        // The secret was generated, private, and `stats` shows it.
        var info = stat()
        #expect(stat(data + "/secret", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let secret = try String(contentsOfFile: data + "/secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count >= 32)
        #expect(run.stdout.contains("admin_secret \(secret)"))
    }
}
