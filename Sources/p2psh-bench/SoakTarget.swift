import Foundation

/// The node under soak: a release `p2psh` process with a data directory and a share, driven
/// through its stdin like a script, its stats read back as `FIELD VALUE` lines.
final class SoakTarget: @unchecked Sendable {
    // @unchecked: the process and pipes are set once in `start`, then used only by the soak's
    // one driving task (stats) and read-only elsewhere (the pid); Foundation's Process and
    // FileHandle are safe to use from any thread.
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    let udpPort: UInt16
    let httpPort: UInt16

    private init(process: Process, input: FileHandle, output: FileHandle, udpPort: UInt16, httpPort: UInt16) {
        self.process = process
        self.input = input
        self.output = output
        self.udpPort = udpPort
        self.httpPort = httpPort
    }

    static func start(directory: String, storageLimitMiB: Int) throws -> SoakTarget {
        try FileManager.default.createDirectory(atPath: directory + "/share", withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: 64 << 10).write(to: URL(fileURLWithPath: directory + "/share/page.bin"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProviderProcess.executable)
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--data-dir", directory + "/data",
                             "--share", directory + "/share", "--storage-limit", "\(storageLimitMiB)"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let target = SoakTarget(process: process, input: stdin.fileHandleForWriting, output: stdout.fileHandleForReading,
                                udpPort: 0, httpPort: 0)
        let stats = target.stats()
        func port(_ field: String) -> UInt16? { stats[field]?.split(separator: ":").last.flatMap { UInt16($0) } }
        guard let udp = port("udp_address"), let http = port("http_address") else {
            process.terminate()
            throw BenchError("p2psh did not report its addresses: \(stats)")
        }
        return SoakTarget(process: process, input: stdin.fileHandleForWriting, output: stdout.fileHandleForReading,
                          udpPort: udp, httpPort: http)
    }

    /// `stats` as fields and values; empty if the process did not answer in time.
    func stats() -> [String: String] {
        input.write(Data("stats\n".utf8))
        let (fields, _) = ChildOutput.read(output, timeout: .seconds(30)) { lines -> [String: String]? in
            guard lines.contains(where: { $0.hasPrefix("values_published ") }) else { return nil }
            var fields: [String: String] = [:]
            for line in lines {
                let parts = line.split(separator: " ", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return fields
        }
        return fields ?? [:]
    }

    /// The process's resident set (VmRSS) in MiB.
    var rssMegabytes: Double? { ResourceUsage.currentRSSMegabytes(of: process.processIdentifier) }

    func stop() { ChildOutput.exit(process, input: input) }
}
