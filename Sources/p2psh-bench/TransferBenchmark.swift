import AsyncHTTPClient
import Crypto
import Foundation
import NIOPosix
import FileSharing
import Logging
import PeerKit

/// Fetching one big file over loopback HTTP: PeerKit's downloader against curl (one
/// provider) and aria2c (four providers), in the same run, from the same servers.
///
/// The providers are real `p2psh` processes (the release binary beside this one) sharing
/// one directory, so this process holds only the downloader, and its peak RSS is the
/// downloader's. Each contender runs `rounds` times, alternating, and the best run counts:
/// the machine's noise only ever slows a run down.
enum TransferBenchmark {
    struct Result {
        var size: Int64
        var curl: Double
        var fetchOne: Double
        var aria2: Double
        var fetchFour: Double
        /// The downloader's process-wide peak RSS after all fetches, MiB.
        var peakRSS: Double?
        /// The largest peak RSS among the provider processes, MiB.
        var providerPeakRSS: Double?
    }

    static func run(options: Options) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2psh-bench-\(getpid())").path
        let shareDirectory = directory + "/share", output = directory + "/out"
        try FileManager.default.createDirectory(atPath: shareDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let size = Int64(options.transferMegabytes) << 20
        Output.progress("writing a \(options.transferMegabytes) MiB file")
        let sha256 = try writeRandomFile(shareDirectory + "/big.bin", size: size)

        Output.progress("starting 4 p2psh providers (each hashes the file once)")
        var providers: [ProviderProcess] = []
        defer { for provider in providers { provider.stop() } }
        for _ in 0..<4 { providers.append(try await ProviderProcess.start(sharing: shareDirectory)) }
        let urls = providers.map { "http://127.0.0.1:\($0.httpPort)" }

        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
                                configuration: configuration)
        do {
            let result = try await measure(size: size, sha256: sha256, urls: urls, output: output, client: client,
                                           rounds: options.transferRounds)
            try? await client.shutdown()
            let providerPeak = providers.compactMap(\.peakRSSMegabytes).max()
            return Result(size: size, curl: result.curl, fetchOne: result.fetchOne, aria2: result.aria2,
                          fetchFour: result.fetchFour, peakRSS: ResourceUsage.peakRSSMegabytes(), providerPeakRSS: providerPeak)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The best rate of each contender, in MiB/s, over `rounds` alternating runs.
    private static func measure(size: Int64, sha256: [UInt8], urls: [String], output: String, client: HTTPClient,
                                rounds: Int) async throws -> (curl: Double, fetchOne: Double, aria2: Double, fetchFour: Double) {
        var best = (curl: 0.0, fetchOne: 0.0, aria2: 0.0, fetchFour: 0.0)
        func rate(_ seconds: Double) -> Double { Double(size) / 1_048_576 / seconds }
        for round in 1...rounds {
            Output.progress("round \(round): curl, fetch from 1, aria2c -x4 from 4, fetch from 4")
            best.curl = max(best.curl, rate(try await timeTool("/usr/bin/curl", ["-sS", "-f", "-o", output + "/curl.bin",
                                                                               urls[0] + "/sha256/" + sha256.hexString])))
            try? FileManager.default.removeItem(atPath: output + "/curl.bin")
            best.fetchOne = max(best.fetchOne, rate(try await timeFetch(sha256, from: [urls[0]], into: output, client: client)))
            best.aria2 = max(best.aria2, rate(try await timeTool(aria2c, [
                "-x4", "-s16", "-k1M", "--file-allocation=none", "--allow-overwrite=true", "--auto-file-renaming=false",
                "-q", "-d", output, "-o", "aria2.bin"] + urls.map { $0 + "/sha256/" + sha256.hexString })))
            try? FileManager.default.removeItem(atPath: output + "/aria2.bin")
            best.fetchFour = max(best.fetchFour, rate(try await timeFetch(sha256, from: urls, into: output, client: client)))
        }
        return best
    }

    private static var aria2c: String {
        ["/usr/bin/aria2c", "/usr/local/bin/aria2c"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "aria2c"
    }

    /// Seconds for one PeerKit download (piece list, pieces, whole-file check, fsync, rename).
    private static func timeFetch(_ sha256: [UInt8], from providers: [String], into directory: String,
                                  client: HTTPClient) async throws -> Double {
        let started = ContinuousClock.now
        let logger = Logger(label: "p2psh-bench")
        let (pieces, _) = try await Download.pieceList(sha256: sha256, providers: providers, client: client, logger: logger)
        _ = try await Download.run(pieces: pieces, providers: providers, into: directory, name: "fetch.bin", client: client,
                                   logger: logger)
        let elapsed = seconds(since: started)
        try FileManager.default.removeItem(atPath: directory + "/fetch.bin")
        return elapsed
    }

    /// Seconds for one run of an external downloader; it must exit 0.
    private static func timeTool(_ executable: String, _ arguments: [String]) async throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let started = ContinuousClock.now
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        let elapsed = seconds(since: started)
        guard process.terminationStatus == 0 else {
            throw BenchError("\(executable) exited with \(process.terminationStatus)")
        }
        return elapsed
    }

    /// Writes `size` pseudo-random bytes (incompressible, so no layer can cheat) and returns their SHA-256.
    private static func writeRandomFile(_ path: String, size: Int64) throws -> [UInt8] {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot create \(path)") }
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var hasher = SHA256()
        var written: Int64 = 0
        var chunk = [UInt64](repeating: 0, count: 1 << 17)  // 1 MiB
        while written < size {
            for index in chunk.indices { chunk[index] = generator.next() }
            let bytes = chunk.withUnsafeBytes { Data($0.prefix(Int(min(Int64($0.count), size - written)))) }
            try handle.write(contentsOf: bytes)
            hasher.update(data: bytes)
            written += Int64(bytes.count)
        }
        return Array(hasher.finalize())
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
