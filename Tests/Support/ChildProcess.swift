import Foundation
import Synchronization

/// A program run by a test, with its output collected as it arrives and every wait bounded.
/// Started by ``Spawn``, so that it holds no descriptor of the test process but its pipes.
public final class ChildProcess: Sendable {
    public struct Timeout: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// What the threads that read the child's output and wait for its exit have seen.
    private struct State: Sendable {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        /// Output streams still open (2 until both reached end of file).
        var openStreams = 2
        /// The raw `waitpid` status, once the child has exited.
        var exitStatus: Int32?
    }

    public let processIdentifier: Int32
    /// The write end of the child's standard input; -1 once closed.
    private let input: Mutex<Int32>
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared = Shared()

    /// Starts `executable`, in `currentDirectory` if given; stdin stays open until ``closeInput()``.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                currentDirectory: String? = nil) throws {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let child = try Spawn.start(executable, arguments, environment: merged, currentDirectory: currentDirectory)
        processIdentifier = child.pid
        input = Mutex(child.input)
        let shared = shared
        for (descriptor, isError) in [(child.output, false), (child.error, true)] {
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    shared.state.withLock {
                        if isError { $0.stderr += buffer[..<count] } else { $0.stdout += buffer[..<count] }
                    }
                }
                close(descriptor)
                shared.state.withLock { $0.openStreams -= 1 }
            }
        }
        let pid = child.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            shared.state.withLock { $0.exitStatus = status }
        }
    }

    deinit { closeInput() }

    public var stdout: String { shared.state.withLock { String(decoding: $0.stdout, as: UTF8.self) } }
    public var stderr: String { shared.state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }

    private var isRunning: Bool { shared.state.withLock { $0.exitStatus == nil } }

    public func send(_ text: String) {
        input.withLock { descriptor in
            guard descriptor >= 0 else { return }
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }  // the child closed its input: as a pipe would, drop the rest
                sent += count
            }
        }
    }

    public func closeInput() {
        input.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
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

    /// Waits for the process to exit and for its last output, and returns its exit status (or,
    /// when a signal ended it, the signal's number); kills it if it overruns.
    public func waitForExit(timeout: Double = 30) async throws -> Int32 {
        if await !eventually(timeout: .seconds(timeout), { !isRunning }) {
            kill(processIdentifier, SIGKILL)
            throw Timeout(description: "still running after \(timeout) s; stdout: \(stdout); stderr: \(stderr)")
        }
        // A child of the child may still hold the pipes: wait for their end a little, not for ever.
        _ = await eventually(timeout: .seconds(2), every: .milliseconds(5)) { shared.state.withLock { $0.openStreams == 0 } }
        let status = shared.state.withLock { $0.exitStatus } ?? 0
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    public func signal(_ number: Int32) { kill(processIdentifier, number) }

    public func terminate() {
        if isRunning { kill(processIdentifier, SIGKILL) }
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
