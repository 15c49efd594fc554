import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Testing
import TestSupport
@testable import PeerKit

/// Throughput of ``Download`` against curl and aria2c, over loopback, from in-process test
/// providers. Off by default (it moves gigabytes): run with `P2PSH_DOWNLOAD_BENCH=<MiB>`,
/// preferably in a release build. The size defaults to 1024 MiB.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH"] != nil), .timeLimit(.minutes(10)))
struct DownloadBenchmarkTests {
    @Test func throughputAgainstCurlAndAria2c() async throws {
        let mebibytes = Int(ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH"] ?? "") ?? 1024
        let size = mebibytes << 20
        // Distinct pieces without generating a gigabyte byte by byte: one random MiB, with
        // the piece number stamped into each copy.
        let block = downloadTestBytes(SharedFile.pieceSize, seed: 99)
        var data = [UInt8]()
        data.reserveCapacity(size)
        for piece in 0 ..< mebibytes {
            data += block
            withUnsafeBytes(of: UInt64(piece).littleEndian) { data.replaceSubrange(piece << 20 ..< (piece << 20) + 8, with: $0) }
        }
        let list = downloadTestPieceList(data)
        let chunks = TestPieceProvider.chunked(data)
        data = []
        var started: [TestPieceProvider] = []
        for _ in 0 ..< 4 { started.append(try await TestPieceProvider.start(chunks: chunks, list: list)) }
        let providers = started
        let directory = TestPaths.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            Task { for provider in providers { await provider.stop() } }
        }
        let validated = try list.validated(expecting: [UInt8](hex: list.sha256)!)
        let url = providers[0].url + "/sha256/" + list.sha256

        func rate(_ seconds: Double) -> String { String(format: "%.0f MB/s", Double(size) / seconds / 1e6) }
        func timed(_ body: () async throws -> Void) async rethrows -> Double {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        /// Resident memory now, in MB (the served data included).
        @Sendable func rss() -> Int {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0) / 1024
        }
        /// The most resident memory while `body` runs, sampled every 20 ms.
        func peakRSS(_ body: () async throws -> Void) async rethrows -> Int {
            let sampler = Task {
                var peak = rss()
                while !Task.isCancelled {
                    peak = max(peak, rss())
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return peak
            }
            try await body()
            sampler.cancel()
            return await sampler.value
        }

        func tool(_ path: String, _ arguments: [String], output: String) async throws -> Double {
            let seconds = try await timed {
                let result = try await ChildProcess.run(path, arguments, timeout: 300)
                #expect(result.status == 0, "\(path): \(result.stdout) \(result.stderr)")
            }
            try FileManager.default.removeItem(atPath: directory + "/" + output)
            return seconds
        }
        func fetch(_ urls: [String]) async throws -> Double {
            let seconds = try await timed {
                _ = try await Download.run(pieces: validated, providers: urls, into: directory, name: "fetch.bin",
                                           client: downloadTestClient)
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/fetch.bin")
            #expect((attributes[.size] as? Int) == size)
            try FileManager.default.removeItem(atPath: directory + "/fetch.bin")
            return seconds
        }

        // Alternating rounds; the best of each counts (noise only slows a run down).
        let rssBefore = rss()
        var best = (curl: Double.infinity, one: Double.infinity, aria: Double.infinity, four: Double.infinity)
        var peakOne = 0, peakFour = 0
        let rounds = Int(ProcessInfo.processInfo.environment["P2PSH_DOWNLOAD_BENCH_ROUNDS"] ?? "") ?? 3
        for _ in 0 ..< rounds {
            best.curl = min(best.curl, try await tool("/usr/bin/curl", ["-sS", "-o", directory + "/curl.bin", url], output: "curl.bin"))
            peakOne = max(peakOne, try await peakRSS { best.one = min(best.one, try await fetch([providers[0].url])) })
            best.aria = min(best.aria, try await tool("/usr/bin/aria2c", [
                "-q", "-x4", "-s16", "-k1M", "--file-allocation=none", "-d", directory, "-o", "aria.bin",
            ] + providers.map { $0.url + "/sha256/" + list.sha256 }, output: "aria.bin"))
            peakFour = max(peakFour, try await peakRSS { best.four = min(best.four, try await fetch(providers.map(\.url))) })
        }
        print("""
            download benchmark, \(mebibytes) MiB over loopback, best of \(rounds):
              curl                    \(rate(best.curl))
              Download, 1 provider    \(rate(best.one))  (\(String(format: "%.2f", best.curl / best.one)) of curl)
              aria2c -x4 -s16, 4 URLs \(rate(best.aria))
              Download, 4 providers   \(rate(best.four))  (\(String(format: "%.2f", best.aria / best.four)) of aria2c)
              RSS: \(rssBefore) MB before (the served data), peak \(peakOne) MB with 1 provider, \(peakFour) MB with 4
            """)
    }
}
