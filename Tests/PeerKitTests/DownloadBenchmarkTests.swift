import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport
@testable import PeerKit

/// Throughput of ``Download`` against curl and aria2c over loopback, and the downloader's
/// memory. Off by default (it moves gigabytes): run with `P2PSH_DOWNLOAD_BENCH=<MiB>`
/// (0 for 1024), preferably in a release build; `P2PSH_DOWNLOAD_BENCH_ROUNDS` (default 3).
///
/// The four providers are test providers in a child process (this test binary, running
/// ``serveForBenchmark()``), so this process holds only the downloader and its resident
/// memory is the downloader's. Contenders run in alternating rounds and the best run of
/// each counts: noise only ever slows a run down.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH"] != nil), .timeLimit(.minutes(10)))
struct DownloadBenchmarkTests {
    static var mebibytes: Int {
        let value = Int(ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH"] ?? "") ?? 0
        return value > 0 ? value : 1024
    }

    @Test func throughputAgainstCurlAndAria2c() async throws {
        guard ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH_SERVE"] == nil else { return }
        let size = Self.mebibytes << 20
        let server = try ChildProcess(CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "serveForBenchmark"],
                                      environment: ["P2PSH_DOWNLOAD_BENCH_SERVE": "1"])
        defer { server.terminate() }
        let line = try await server.waitForLine(containing: "BENCH-PROVIDERS", timeout: 120)
        let words = line.split(separator: " ").map(String.init)
        let sha256 = try #require([UInt8](hex: words[1]))
        let urls = Array(words[2...])
        #expect(urls.count == 4)
        let (validated, _) = try await Download.pieceList(sha256: sha256, providers: urls, client: downloadTestClient)
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        func rate(_ seconds: Double) -> String { String(format: "%.0f MB/s", Double(size) / seconds / 1e6) }
        func timed(_ body: () async throws -> Void) async rethrows -> Double {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        func tool(_ path: String, _ arguments: [String], output: String) async throws -> Double {
            let seconds = try await timed {
                let result = try await ChildProcess.run(path, arguments, timeout: 300)
                #expect(result.status == 0, "\(path): \(result.stdout) \(result.stderr)")
            }
            try FileManager.default.removeItem(atPath: directory + "/" + output)
            return seconds
        }
        func fetch(_ providers: [String]) async throws -> Double {
            let seconds = try await timed {
                _ = try await Download.run(pieces: validated, providers: providers, into: directory, name: "fetch.bin",
                                           client: downloadTestClient)
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/fetch.bin")
            #expect((attributes[.size] as? Int) == size)
            try FileManager.default.removeItem(atPath: directory + "/fetch.bin")
            return seconds
        }
        /// The most resident memory while `body` runs, sampled every 10 ms.
        func peakRSS(_ body: () async throws -> Void) async rethrows -> Int {
            let sampler = Task {
                var peak = Self.residentMegabytes()
                while !Task.isCancelled {
                    peak = max(peak, Self.residentMegabytes())
                    try? await Task.sleep(for: .milliseconds(10))
                }
                return peak
            }
            try await body()
            sampler.cancel()
            return await sampler.value
        }

        let rssBefore = Self.residentMegabytes()
        var best = (curl: Double.infinity, one: Double.infinity, aria: Double.infinity, four: Double.infinity)
        var peak = (one: 0, four: 0)
        let rounds = Int(ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH_ROUNDS"] ?? "") ?? 3
        let whole = urls.map { $0 + "/sha256/" + words[1] }
        for _ in 0 ..< rounds {
            best.curl = min(best.curl, try await tool("/usr/bin/curl", ["-sS", "-o", directory + "/curl.bin", whole[0]], output: "curl.bin"))
            peak.one = max(peak.one, try await peakRSS { best.one = min(best.one, try await fetch([urls[0]])) })
            best.aria = min(best.aria, try await tool("/usr/bin/aria2c", [
                "-q", "-x4", "-s16", "-k1M", "--file-allocation=none", "-d", directory, "-o", "aria.bin",
            ] + whole, output: "aria.bin"))
            peak.four = max(peak.four, try await peakRSS { best.four = min(best.four, try await fetch(urls)) })
        }
        print("""
            download benchmark, \(Self.mebibytes) MiB over loopback, best of \(rounds):
              curl, 1 provider        \(rate(best.curl))
              Download, 1 provider    \(rate(best.one))  (\(String(format: "%.2f", best.curl / best.one)) of curl)
              aria2c -x4 -s16, 4 URLs \(rate(best.aria))
              Download, 4 providers   \(rate(best.four))  (\(String(format: "%.2f", best.aria / best.four)) of aria2c)
              downloader RSS: \(rssBefore) MB before, peak \(peak.one) MB with 1 provider, \(peak.four) MB with 4
            """)
    }

    /// The providers of ``throughputAgainstCurlAndAria2c()``, in a child process: serves a
    /// file of `P2PSH_DOWNLOAD_BENCH` MiB from 4 providers until killed (at most 10 minutes).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH_SERVE"] != nil))
    func serveForBenchmark() async throws {
        // Distinct pieces without generating the file byte by byte: one random MiB, with the
        // piece number stamped into each copy.
        let block = downloadTestBytes(SharedFile.pieceSize, seed: 99)
        var data = [UInt8]()
        data.reserveCapacity(Self.mebibytes << 20)
        for piece in 0 ..< Self.mebibytes {
            data += block
            withUnsafeBytes(of: UInt64(piece).littleEndian) { data.replaceSubrange(piece << 20 ..< (piece << 20) + 8, with: $0) }
        }
        let list = downloadTestPieceList(data)
        let chunks = TestPieceProvider.chunked(data)
        data = []
        var providers: [TestPieceProvider] = []
        for _ in 0 ..< 4 { providers.append(try await TestPieceProvider.start(chunks: chunks, list: list)) }
        // Written unbuffered: the parent waits for this line.
        FileHandle.standardOutput.write(Data("BENCH-PROVIDERS \(list.sha256) \(providers.map(\.url).joined(separator: " "))\n".utf8))
        try await Task.sleep(for: .seconds(600))
        for provider in providers { await provider.stop() }
    }

    /// This process's resident memory, in MB.
    static func residentMegabytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) / 1024
    }
}
