import Foundation
import TestSupport

/// A long-lived `p2psh` process driven through its stdin, as a script would.
struct ShellProcess {
    let child: ChildProcess
    let port: UInt16

    /// Starts `p2psh` on 127.0.0.1 with any free port, and learns the port from `stats`
    /// (whose plain output is `FIELD VALUE` lines).
    static func start(_ extraArguments: [String] = ["--ephemeral"]) async throws -> ShellProcess {
        let child = try ChildProcess(TestPaths.p2psh, ["--host", "127.0.0.1", "--port", "0"] + extraArguments)
        child.send("stats\n")
        let line = try await child.waitForLine(containing: "udp_address ")
        guard let port = line.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw ChildProcess.Timeout(description: "no port in '\(line)'")
        }
        return ShellProcess(child: child, port: port)
    }

    var address: String { "127.0.0.1:\(port)" }

    /// Runs `command` and returns what it printed: everything before the `stats` sent after it
    /// (whose plain output runs, sorted, from `admin_secret` to `values_published`).
    func output(of command: String, timeout: Double = 10) async throws -> String {
        let before = child.stdout.utf8.count
        child.send("\(command)\nstats\n")
        let blocks = command.split(separator: " ").first == "stats" ? 2 : 1
        var printed = ""
        _ = await eventually(timeout: .seconds(timeout)) {
            printed = String(decoding: child.stdout.utf8.dropFirst(before), as: UTF8.self)
            let parts = printed.components(separatedBy: "values_published ")
            return parts.count > blocks && parts[blocks].contains("\n")
        }
        let starts = printed.ranges(of: "admin_secret ")
        let parts = printed.components(separatedBy: "values_published ")
        guard parts.count > blocks, parts[blocks].contains("\n"), starts.count >= blocks else {
            throw ChildProcess.Timeout(description: "'\(command)' printed no result within \(timeout) s: \(printed)")
        }
        return String(printed[..<starts[starts.count - 1].lowerBound])
    }

    func exit() async throws -> Int32 {
        child.send("exit\n")
        return try await child.waitForExit()
    }
}

/// Runs `p2psh` once with a script on stdin.
func p2psh(_ arguments: [String], input: String, timeout: Double = 60) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await ChildProcess.run(TestPaths.p2psh, ["--host", "127.0.0.1"] + arguments, input: input, timeout: timeout)
}
