import Foundation

/// A `p2psh` process that shares a directory, for the transfer benchmark: started with
/// pipes, asked for `stats` to learn its HTTP port, and stopped with `exit`.
final class ProviderProcess: @unchecked Sendable {
    // @unchecked: `process` and the pipes are set once in `start` and then only read;
    // Foundation's Process and FileHandle are safe to use from any thread.
    private let process: Process
    private let input: FileHandle
    let httpPort: Int

    private init(process: Process, input: FileHandle, httpPort: Int) {
        self.process = process
        self.input = input
        self.httpPort = httpPort
    }

    /// The release `p2psh` beside this executable.
    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("p2psh").path
    }

    static func start(sharing directory: String) async throws -> ProviderProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--ephemeral", "--host", "127.0.0.1", "--port", "0", "--share", directory]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data("stats\n".utf8))
        let (port, text) = ChildOutput.read(stdout.fileHandleForReading, timeout: .seconds(120)) { lines in
            lines.first { $0.hasPrefix("http_address ") }?.split(separator: ":").last
                .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        if let port { return ProviderProcess(process: process, input: stdin.fileHandleForWriting, httpPort: port) }
        process.terminate()
        throw BenchError("\(executable) did not report its HTTP port: \(text.suffix(300))")
    }

    /// The process's peak RSS (VmHWM) in MiB, while it runs.
    var peakRSSMegabytes: Double? { ResourceUsage.peakRSSMegabytes(of: process.processIdentifier) }

    func stop() { ChildOutput.exit(process, input: input) }
}
