import Foundation

/// A libtorrent DHT node in a Python process (`scripts/libtorrent-dht-node.py`), loaded by the
/// same find_node generator as PeerKit's node in the same run, so the two rates compare.
final class LibtorrentNode: @unchecked Sendable {
    // @unchecked: `process` and `input` are set once in `start` and then only read;
    // Foundation's Process and FileHandle are safe to use from any thread.
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    let port: Int
    /// libtorrent's version, as the Python module reports it.
    let version: String

    private init(process: Process, input: FileHandle, output: FileHandle, port: Int, version: String) {
        self.process = process
        self.input = input
        self.output = output
        self.port = port
        self.version = version
    }

    static let script = "scripts/libtorrent-dht-node.py"

    /// Starts the node, which adds the nodes at `peerPorts` on 127.0.0.1 to its table, and waits
    /// (at most 30 s) until its table holds some of them.
    static func start(peerPorts: [Int]) throws -> LibtorrentNode {
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchError("\(script) not found: run the bench from the repository's root")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script] + peerPorts.map(String.init)
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let (started, text) = ChildOutput.read(stdout.fileHandleForReading, timeout: .seconds(30)) {
            lines -> (port: Int, version: String)? in
            func value(_ field: String) -> String? {
                lines.first { $0.hasPrefix(field + " ") }.map { String($0.dropFirst(field.count + 1)) }
            }
            guard value("READY") != nil, let port = value("PORT").flatMap({ Int($0) }) else { return nil }
            return (port, value("VERSION") ?? "?")
        }
        if let started {
            return LibtorrentNode(process: process, input: stdin.fileHandleForWriting,
                                  output: stdout.fileHandleForReading, port: started.port, version: started.version)
        }
        process.terminate()
        throw BenchError("libtorrent (python3-libtorrent) did not start: \(text.suffix(300))")
    }

    /// Sends one of the script's commands (PUT, GET, ...) and waits for its answer, the line that
    /// starts with `answer`; returns that line and how long it took, or nil after `timeout`.
    func command(_ line: String, answer: String, timeout: Duration = .seconds(30)) -> (line: String, took: Duration)? {
        let started = ContinuousClock.now
        input.write(Data((line + "\n").utf8))
        let (found, _) = ChildOutput.read(output, timeout: timeout) { lines in
            lines.first { $0.hasPrefix(answer + " ") }.map(String.init)
        }
        return found.map { ($0, ContinuousClock.now - started) }
    }

    func stop() {
        try? input.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
    }
}
