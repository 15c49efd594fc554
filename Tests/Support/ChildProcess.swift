import Foundation
import Synchronization

/// A program run by a test, with its output collected as it arrives and every wait bounded.
public final class ChildProcess: Sendable {
    public struct Timeout: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    private let process: Process
    private let input: FileHandle
    private final class Output: Sendable {
        let text = Mutex((stdout: "", stderr: ""))
    }

    private let output = Output()

    /// Starts `executable`, in `currentDirectory` if given; stdin stays open until ``closeInput()``.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                currentDirectory: String? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        input = stdinPipe.fileHandleForWriting
        let output = self.output
        stdoutPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.text.withLock { $0.stdout += String(decoding: data, as: UTF8.self) }
        }
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.text.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    public var stdout: String { output.text.withLock { $0.stdout } }
    public var stderr: String { output.text.withLock { $0.stderr } }
    public var processIdentifier: Int32 { process.processIdentifier }

    public func send(_ text: String) {
        try? input.write(contentsOf: Data(text.utf8))
    }

    public func closeInput() {
        try? input.close()
    }

    /// Waits until stdout has a line containing `text`, and returns that line.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Double = 10) async throws -> String {
        var found: Substring?
        _ = await eventually(timeout: .seconds(timeout)) {
            found = stdout.split(separator: "\n").first { $0.contains(text) }
            return found != nil
        }
        guard let found else {
            throw Timeout(description: "no line containing '\(text)' within \(timeout) s; stdout: \(stdout); stderr: \(stderr)")
        }
        return String(found)
    }

    /// Waits for the process to exit and returns its status; kills it if it overruns.
    public func waitForExit(timeout: Double = 30) async throws -> Int32 {
        if await !eventually(timeout: .seconds(timeout), { !process.isRunning }) {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
            throw Timeout(description: "still running after \(timeout) s; stdout: \(stdout); stderr: \(stderr)")
        }
        try await Task.sleep(for: .milliseconds(50))  // let the last output arrive
        return process.terminationStatus
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    public func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Runs a program to completion with `input` on stdin.
    public static func run(_ executable: String, _ arguments: [String], input: String = "",
                           environment: [String: String] = [:], currentDirectory: String? = nil,
                           timeout: Double = 60) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        child.send(input)
        child.closeInput()
        let status = try await child.waitForExit(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }
}

/// Paths of things the tests run.
public enum TestPaths {
    /// The package root, found from this file's path.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The debug `p2psh` binary that `swift build` made.
    public static var p2psh: String { packageRoot + "/.build/debug/p2psh" }

    public static func fixture(_ name: String) -> String { packageRoot + "/Tests/Fixtures/" + name }

    /// A new empty directory under the system's temporary directory.
    public static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "p2psh-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
