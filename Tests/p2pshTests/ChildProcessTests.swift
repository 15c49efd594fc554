import Foundation
import Testing
import TestSupport

/// The harness that starts programs for the process tests: what a child inherits and how its
/// end is reported. A leak here made other tests flaky (see `Spawn`).
@Suite(.timeLimit(.minutes(1))) struct ChildProcessTests {
    /// A socket the test process holds, close-on-exec or not (NIO's accepted sockets are not),
    /// never reaches a child: a child holding a server's end keeps a closed connection open.
    @Test func aChildHoldsOnlyItsStandardDescriptors() async throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socket >= 3)
        defer { close(socket) }
        let run = try await ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd"])
        #expect(run.status == 0, "\(run.stderr)")
        let descriptors = run.stdout.split(separator: "\n").compactMap { Int($0) }.sorted()
        #expect(descriptors == [0, 1, 2], "\(run.stdout)")
    }

    @Test func exitStatusOutputAndSignalsAreReported() async throws {
        let run = try await ChildProcess.run("/bin/sh", ["-c", "cat; printf 'é\\n' >&2; exit 3"], input: "piped in\n")
        #expect(run == (3, "piped in\n", "é\n"))

        let child = try ChildProcess("/bin/sleep", ["30"])
        child.signal(SIGTERM)
        #expect(try await child.waitForExit(timeout: 10) == SIGTERM)
    }

    /// A child starts with SIGPIPE at its default, as a shell leaves it, whatever this process does.
    @Test func aChildStartsWithSIGPIPEAtItsDefault() async throws {
        let run = try await ChildProcess.run("/bin/sh", ["-c", "grep SigIgn /proc/self/status"])
        let ignored = UInt64(run.stdout.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", radix: 16)
        #expect(ignored.map { $0 & (1 << (UInt64(SIGPIPE) - 1)) == 0 } == true, "\(run.stdout)")
    }
}
