import Foundation
import Logging
import Testing
import TestSupport
@testable import FileSharing
@testable import PeerKit

/// A share directory, a database directory and a scratch directory, all removed at the end.
private struct ShareIndexFixture {
    let base = TestPaths.temporaryDirectory()
    var root: String { base + "/share" }
    var databaseDirectory: String { base + "/data" }
    var scratch: String { base + "/scratch" }

    init() throws {
        for directory in [base + "/share", base + "/data", base + "/scratch"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    func openDatabase() throws -> NodeDatabase {
        try NodeDatabase(location: .directory(databaseDirectory), port: 0, logger: Logger(label: "test"))
    }

    /// Writes `data` at `relative` under the root, creating directories.
    @discardableResult
    func write(_ relative: String, _ data: Data) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Sets a file's mtime to `seconds` after the epoch.
    func setModified(_ relative: String, seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)],
                                              ofItemAtPath: root + "/" + relative)
    }
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// SHA-256 of each file, as `/usr/bin/sha256sum` computes it: an independent implementation.
private func sha256sum(_ paths: [String]) async throws -> [String: String] {
    let result = try await ChildProcess.run("/usr/bin/sha256sum", paths)
    #expect(result.status == 0, "sha256sum: \(result.stderr)")
    var sums: [String: String] = [:]
    for line in result.stdout.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { continue }
        sums[String(parts[1].drop(while: { $0 == " " || $0 == "*" }))] = String(parts[0])
    }
    return sums
}

@Suite(.timeLimit(.minutes(2))) struct ShareIndexTests {
    @Test func hashesMatchSha256sumWholeAndPerPiece() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        let piece = SharedFile.pieceSize
        let sizes = ["empty.bin": 0, "small.bin": 1000, "one-piece.bin": piece, "two-and-a-half.bin": piece * 5 / 2]
        var expectedPieces: [String: [String]] = [:]  // file -> paths of its pieces, cut by the test
        var allPaths: [String] = []
        for (name, size) in sizes {
            let data = bytes(size, seed: UInt32(size))
            allPaths.append(try fixture.write(name, data))
            var pieces: [String] = []
            for (index, start) in stride(from: 0, to: size, by: piece).enumerated() {
                let path = fixture.scratch + "/\(name).\(index)"
                try data[start ..< min(start + piece, size)].write(to: URL(fileURLWithPath: path))
                pieces.append(path)
            }
            expectedPieces[name] = pieces
            allPaths += pieces
        }
        let sums = try await sha256sum(allPaths)

        let database = try fixture.openDatabase()
        defer { database.close() }
        let index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        let report = try await index.scan()
        #expect(report.hashed == 4 && report.unchanged == 0 && report.removed == 0 && report.unreadable == 0)
        #expect(report.totalFiles == 4)
        #expect(report.totalBytes == Int64(sizes.values.reduce(0, +)))

        for (name, size) in sizes {
            let file = try #require(await index.file(atPath: name))
            #expect(file.path == name)
            #expect(file.size == Int64(size))
            #expect(file.sha256.count == 32)
            #expect(hex(file.sha256) == sums[fixture.root + "/" + name], "\(name)")
            let pieces = try #require(expectedPieces[name])
            #expect(file.pieceHashes.count == pieces.count, "\(name)")
            #expect(file.pieceHashes.count == SharedFile.pieceCount(size: Int64(size)))
            for (hash, path) in zip(file.pieceHashes, pieces) {
                #expect(hash.count == 32)
                #expect(hex(hash) == sums[path], "\(path)")
            }
            #expect(await index.file(sha256: file.sha256) == file)
        }
        // The expected piece counts, spelled out.
        #expect(await index.file(atPath: "empty.bin")?.pieceHashes.count == 0)
        #expect(await index.file(atPath: "small.bin")?.pieceHashes.count == 1)
        #expect(await index.file(atPath: "one-piece.bin")?.pieceHashes.count == 1)
        #expect(await index.file(atPath: "two-and-a-half.bin")?.pieceHashes.count == 3)
        #expect(hex(try #require(await index.file(atPath: "empty.bin")).sha256)
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(await index.files.map(\.path) == ["empty.bin", "one-piece.bin", "small.bin", "two-and-a-half.bin"])
    }

    /// Hidden names, links out of the root, links into hidden directories, links to
    /// directories, dangling links and FIFOs are left out. A link inside the root to a
    /// regular file inside it is indexed under the link's name, with the target's hashes.
    @Test func indexesWhatTheRootWouldServeAndNothingElse() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        let files = FileManager.default
        try fixture.write("visible.txt", Data("visible\n".utf8))
        try fixture.write("sub/ok.txt", Data("ok\n".utf8))
        try fixture.write(".hidden.txt", Data("hidden\n".utf8))
        try fixture.write(".secret/inside.txt", Data("secret\n".utf8))
        try fixture.write("sub/.dotfile", Data("dot\n".utf8))
        try fixture.write("sub/.git/config", Data("config\n".utf8))
        try fixture.write("back\\slash.txt", Data("backslash\n".utf8))
        try Data("outside\n".utf8).write(to: URL(fileURLWithPath: fixture.scratch + "/outside.txt"))
        try files.createSymbolicLink(atPath: fixture.root + "/link-out", withDestinationPath: fixture.scratch + "/outside.txt")
        try files.createSymbolicLink(atPath: fixture.root + "/link-in", withDestinationPath: "sub/ok.txt")
        try files.createSymbolicLink(atPath: fixture.root + "/link-hidden", withDestinationPath: ".secret/inside.txt")
        try files.createSymbolicLink(atPath: fixture.root + "/link-dir", withDestinationPath: "sub")
        try files.createSymbolicLink(atPath: fixture.root + "/link-dir-out", withDestinationPath: fixture.scratch)
        try files.createSymbolicLink(atPath: fixture.root + "/dangling", withDestinationPath: "nothing-here")
        #expect(mkfifo(fixture.root + "/fifo", 0o600) == 0)

        let database = try fixture.openDatabase()
        defer { database.close() }
        let index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        let report = try await index.scan()
        #expect(await index.files.map(\.path) == ["link-in", "sub/ok.txt", "visible.txt"])
        #expect(report.hashed == 3 && report.totalFiles == 3 && report.unreadable == 0)

        let link = try #require(await index.file(atPath: "link-in"))
        let target = try #require(await index.file(atPath: "sub/ok.txt"))
        #expect(link.sha256 == target.sha256 && link.size == target.size && link.pieceHashes == target.pieceHashes)
        // Two names, one content: the first name in byte order answers for it.
        #expect(await index.file(sha256: target.sha256)?.path == "link-in")
        #expect(await index.file(sha256: Array(repeating: 0, count: 32)) == nil)

        // Every indexed path is one the root serves.
        for file in await index.files {
            let encoded = try #require(file.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed))
            _ = try index.root.resolve(encoded)
        }
    }

    @Test func aRescanHashesOnlyWhatChangedAndTheIndexSurvivesReopening() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        try fixture.write("a.txt", Data("first file\n".utf8))
        try fixture.write("b.bin", bytes(SharedFile.pieceSize + 10, seed: 7))
        try fixture.write("sub/c.txt", Data("third file\n".utf8))
        for name in ["a.txt", "b.bin", "sub/c.txt"] { try fixture.setModified(name, seconds: 1_700_000_000.25) }

        var database = try fixture.openDatabase()
        var index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        var report = try await index.scan()
        #expect(report.hashed == 3 && report.unchanged == 0 && report.removed == 0)
        let modified = try #require(await index.file(atPath: "a.txt")?.modified)
        #expect(abs(modified.timeIntervalSince1970 - 1_700_000_000.25) < 0.000_01)

        report = try await index.scan()
        #expect(report.hashed == 0 && report.unchanged == 3 && report.removed == 0 && report.totalFiles == 3)

        // New content of the same size, and a new mtime: hashed again.
        let before = try #require(await index.file(atPath: "b.bin"))
        try fixture.write("b.bin", bytes(SharedFile.pieceSize + 10, seed: 8))
        try fixture.setModified("b.bin", seconds: 1_700_000_100)
        report = try await index.scan()
        #expect(report.hashed == 1 && report.unchanged == 2 && report.removed == 0)
        let after = try #require(await index.file(atPath: "b.bin"))
        #expect(after.sha256 != before.sha256)
        #expect(after.pieceHashes[0] != before.pieceHashes[0] && after.pieceHashes.count == 2)
        #expect(hex(after.sha256) == (try await sha256sum([fixture.root + "/b.bin"]))[fixture.root + "/b.bin"])
        #expect(await index.file(sha256: before.sha256) == nil)
        #expect(await index.file(sha256: after.sha256) == after)

        // A deleted file leaves the index.
        try FileManager.default.removeItem(atPath: fixture.root + "/sub/c.txt")
        report = try await index.scan()
        #expect(report.hashed == 0 && report.unchanged == 2 && report.removed == 1 && report.totalFiles == 2)
        #expect(await index.file(atPath: "sub/c.txt") == nil)

        // Downloads are counted, and the count outlives a rehash.
        await index.recordServed("a.txt")
        await index.recordServed("a.txt")
        await index.recordServed("not-indexed.txt")
        try fixture.setModified("a.txt", seconds: 1_700_000_200)
        report = try await index.scan()
        #expect(report.hashed == 1)
        await database.flush()
        #expect(try database.sharedFilesTimesServed()["a.txt"] == 2)
        #expect(try database.sharedFilesTimesServed()["not-indexed.txt"] == nil)

        // Reopened, the index is there before any scan, and a scan finds nothing to hash.
        let files = await index.files
        database.close()
        database = try fixture.openDatabase()
        defer { database.close() }
        index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        #expect(await index.files == files)
        #expect(await index.file(sha256: after.sha256) == after)
        report = try await index.scan()
        #expect(report.hashed == 0 && report.unchanged == 2 && report.removed == 0)
        #expect(try database.sharedFilesTimesServed()["a.txt"] == 2)
    }

    @Test func anIndexOfAnotherDirectoryIsDiscarded() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        try fixture.write("one/a.txt", Data("a\n".utf8))
        try fixture.write("two/b.txt", Data("b\n".utf8))
        let database = try fixture.openDatabase()
        defer { database.close() }
        let first = try ShareIndex(root: ShareRoot(fixture.root + "/one"), database: database)
        _ = try await first.scan()
        #expect(await first.files.map(\.path) == ["a.txt"])

        let second = try ShareIndex(root: ShareRoot(fixture.root + "/two"), database: database)
        #expect(await second.files.isEmpty)
        let report = try await second.scan()
        #expect(report.hashed == 1 && report.removed == 0)
        #expect(await second.files.map(\.path) == ["b.txt"])
    }

    @Test func aVanishedShareDirectoryFailsTheScanAndKeepsTheIndex() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        try fixture.write("a.txt", Data("a\n".utf8))
        let database = try fixture.openDatabase()
        defer { database.close() }
        let index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        _ = try await index.scan()
        try FileManager.default.moveItem(atPath: fixture.root, toPath: fixture.base + "/moved")
        do {
            _ = try await index.scan()
            Issue.record("a scan of a missing share directory succeeded")
        } catch {
            guard case .shareDirectory = error else {
                Issue.record("wrong error: \(error)")
                return
            }
        }
        #expect(await index.files.map(\.path) == ["a.txt"])
    }

    @Test func scansAskedForTogetherRunOneAfterTheOther() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        for number in 0 ..< 5 { try fixture.write("f\(number).bin", bytes(300_000, seed: UInt32(number))) }
        let database = try fixture.openDatabase()
        defer { database.close() }
        let index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        async let first = index.scan()
        async let second = index.scan()
        let reports = try await [first, second]
        #expect(reports.map(\.hashed).sorted() == [0, 5])
        #expect(reports.map(\.totalFiles) == [5, 5])
    }

    @Test func aCancelledScanThrowsCancelled() async throws {
        let fixture = try ShareIndexFixture()
        defer { fixture.remove() }
        for number in 0 ..< 3 { try fixture.write("f\(number).bin", bytes(1000, seed: UInt32(number))) }
        let database = try fixture.openDatabase()
        defer { database.close() }
        let index = try ShareIndex(root: ShareRoot(fixture.root), database: database)
        let task = Task { try await index.scan() }
        task.cancel()
        do {
            _ = try await task.value
            // The scan may have finished before the cancellation reached it; then it is complete.
            #expect(await index.files.count == 3)
        } catch {
            #expect(error as? SharingError == .cancelled)
        }
        // The index is still usable and completes.
        let report = try await index.scan()
        #expect(report.totalFiles == 3)
    }
}

private func bytes(_ count: Int, seed: UInt32 = 1) -> Data { Data(testBytes(count, seed: seed)) }
