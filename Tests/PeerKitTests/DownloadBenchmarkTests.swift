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
        let buffer = ByteBuffer(bytes: data)
        data = []
        var started: [TestPieceProvider] = []
        for _ in 0 ..< 4 { started.append(try await TestPieceProvider.start(buffer: buffer, list: list)) }
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
        func maxRSS() -> Int { var usage = rusage(); getrusage(RUSAGE_SELF.rawValue, &usage); return usage.ru_maxrss / 1024 }

        let curl = try await timed {
            let result = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-o", directory + "/curl.bin", url], timeout: 300)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let rssBefore = maxRSS()
        let one = try await timed {
            _ = try await Download.run(pieces: validated, providers: [providers[0].url], into: directory, name: "one.bin",
                                       client: downloadTestClient)
        }
        let rssAfterOne = maxRSS()
        let aria = try await timed {
            let result = try await ChildProcess.run("/usr/bin/aria2c", ["-q", "-x4", "-s4", "-k1M", "--file-allocation=falloc",
                                                                       "-d", directory, "-o", "aria.bin", url], timeout: 300)
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        }
        let four = try await timed {
            _ = try await Download.run(pieces: validated, providers: providers.map(\.url), into: directory, name: "four.bin",
                                       client: downloadTestClient)
        }
        let rssAfterFour = maxRSS()
        print("""
            download benchmark, \(mebibytes) MiB over loopback:
              curl                    \(rate(curl))
              Download, 1 provider    \(rate(one))  (\(String(format: "%.2f", curl / one)) of curl)
              aria2c -x4 -s4          \(rate(aria))
              Download, 4 providers   \(rate(four))  (\(String(format: "%.2f", aria / four)) of aria2c)
              max RSS: \(rssBefore) MB before, \(rssAfterOne) MB after 1 provider, \(rssAfterFour) MB after 4 (includes the served data)
            """)
        for name in ["one.bin", "four.bin"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            #expect((attributes[.size] as? Int) == size)
        }
    }
}
