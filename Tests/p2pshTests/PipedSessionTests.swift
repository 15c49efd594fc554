import Foundation
import Testing
import TestSupport

/// Separate `p2psh` processes, driven through pipes.
@Suite(.timeLimit(.minutes(2))) struct PipedSessionTests {
    @Test func oneProcessStoresAndAnotherGets() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let writer = try await p2psh(["--ephemeral", "--port", "0"],
                                     input: "join \(seed.address)\nstore greeting hello world\n")
        #expect(writer.status == 0, "\(writer.stderr)")
        let writerLines = writer.stdout.split(separator: "\n")
        #expect(writerLines.count == 2)
        #expect(writerLines.first?.hasPrefix("joined \(seed.address)") == true)
        #expect(writerLines.last == "stored on 1 node", "one record, no timing, singular")

        let reader = try await p2psh(["--ephemeral", "--port", "0", "--bootstrap", seed.address], input: "get greeting\n")
        #expect(reader.status == 0, "\(reader.stderr)")
        // Nothing decorative in a pipe: no banner, no prompt, no "Using h(…)": the bootstrap line, then the value.
        #expect(reader.stdout.split(separator: "\n").dropFirst() == ["hello world"])
        #expect(reader.stderr.isEmpty)
        #expect(try await seed.exit() == 0)
    }

    @Test func errorsGoToStderrAndTheExitStatusCountsThem() async throws {
        let result = try await p2psh(["--ephemeral", "--port", "0", "--keep-going"], input: "stor x\nstore\nhelp\nget\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: unknown command 'stor': did you mean 'store'?"))
        #expect(result.stderr.contains("usage: store <key> <value> ...   (see 'help store')"))
        #expect(result.stderr.contains("usage: get <key>"))
        // The command after the failures still ran.
        #expect(result.stdout.contains("Store a value under a key"))
        #expect(!result.stdout.contains("p2psh>"))
    }

    @Test func aScriptWithNoFailuresExitsZeroAndKeepsOrder() async throws {
        let result = try await p2psh(["--ephemeral", "--port", "0"], input: "# a comment\n\nhelp get\npeers\nstats\n")
        #expect(result.status == 0, "\(result.stderr)")
        let usage = try #require(result.stdout.range(of: "USAGE: get <key>"))
        let uptime = try #require(result.stdout.range(of: "uptime_seconds "))
        #expect(usage.lowerBound < uptime.lowerBound)
    }

    @Test func getOfAMissingKeyFails() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let result = try await p2psh(["--ephemeral", "--port", "0", "--bootstrap", seed.address], input: "get nothing-here\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: no value under 'nothing-here'"))
        _ = try await seed.exit()
    }

    @Test func aPortInUseIsAClearError() async throws {
        let first = try await ShellProcess.start()
        defer { first.child.terminate() }
        let second = try await p2psh(["--ephemeral", "--port", "\(first.port)"], input: "")
        #expect(second.status == 2)
        #expect(second.stderr.contains("error: port \(first.port) is in use: try --port 0 for any free port"))
        _ = try await first.exit()
    }

    @Test func aDataDirectoryInUseIsAClearErrorAndIDsPersist() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await ShellProcess.start(["--data-dir", directory])
        let second = try await p2psh(["--data-dir", directory, "--port", "0"], input: "stats\n")
        #expect(second.status != 0)
        #expect(second.stderr.contains("is in use by process \(first.child.processIdentifier)"))
        let id = try await first.child.waitForLine(containing: "node_id ")
        #expect(try await first.exit() == 0)

        let again = try await p2psh(["--data-dir", directory, "--port", "0"], input: "stats\n")
        #expect(again.status == 0)
        #expect(again.stdout.contains(id))
        #expect(FileManager.default.fileExists(atPath: directory + "/node-0.sqlite"))
    }

    @Test func sigtermEndsTheSessionAndSavesTheRoutingTable() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = try ChildProcess(TestPaths.p2psh, ["--data-dir", directory, "--host", "127.0.0.1", "--port", "0"])
        defer { node.terminate() }
        node.send("join \(seed.address)\n")
        try await node.waitForLine(containing: "joined")
        node.signal(SIGTERM)
        #expect(try await node.waitForExit(timeout: 5) == 143)
        // The table was saved on the way out (the first checkpoint is 60 s away).
        let again = try await p2psh(["--data-dir", directory, "--port", "0"], input: "peers\n")
        #expect(again.stdout.contains("127.0.0.1:\(seed.port)"))
        _ = try await seed.exit()
    }

    @Test func ctrlCCancelsTheRunningCommandAndEndsTheScript() async throws {
        // A node that never answers: the join would wait out its 9 s timeout. Its first ping
        // arriving there shows that the join is running when Ctrl-C comes.
        let silent = try SilentUDPPeer()
        let child = try ChildProcess(TestPaths.p2psh, ["--ephemeral", "--host", "127.0.0.1", "--port", "0"])
        defer { child.terminate() }
        child.send("join \(silent.address)\nstats\n")
        try #require(await silent.waitForDatagram(timeout: .seconds(20)), "the join sent no ping; stderr: \(child.stderr)")
        let started = Date()
        child.signal(SIGINT)
        let status = try await child.waitForExit(timeout: 8)
        #expect(status == 130)
        // Well before the join's 9 s timeout (a debug build on a loaded machine was seen to take 3.4 s).
        #expect(Date().timeIntervalSince(started) < 6)
        #expect(child.stderr.contains("join: interrupted"))
        #expect(!child.stdout.contains("uptime_seconds"), "the rest of the script did not run")
    }

    @Test func ephemeralSessionWritesNoFiles() async throws {
        // Every place p2psh could find to write to by itself: the working directory, and the
        // default data directory under HOME or XDG_DATA_HOME.
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (workingDirectory, home, dataHome) = (root + "/cwd", root + "/home", root + "/xdg")
        for directory in [workingDirectory, home, dataHome] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let script = "join \(seed.address)\nstore greeting hello\nget greeting\nstats\n"
        func session(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await ChildProcess.run(TestPaths.p2psh, ["--host", "127.0.0.1", "--port", "0"] + arguments, input: script,
                                       environment: ["HOME": home, "XDG_DATA_HOME": dataHome],
                                       currentDirectory: workingDirectory)
        }

        let ephemeral = try await session(["--ephemeral"])
        #expect(ephemeral.status == 0, "\(ephemeral.stderr)")
        #expect(ephemeral.stdout.contains("hello"), "\(ephemeral.stdout)")
        #expect(!ephemeral.stdout.contains(".sqlite"), "stats names no database file: \(ephemeral.stdout)")
        for directory in [workingDirectory, home, dataHome] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "\(directory) was written to")
        }

        // The control: the same session without --ephemeral writes to the default data
        // directory, so the directories above were where a write would have gone.
        let persistent = try await session([])
        #expect(persistent.status == 0, "\(persistent.stderr)")
        #expect(FileManager.default.fileExists(atPath: dataHome + "/p2psh/node-0.sqlite"))
        _ = try await seed.exit()
    }
}
