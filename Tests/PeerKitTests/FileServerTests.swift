import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TestSupport
@testable import FileSharing
@testable import PeerKit

/// What the stand-in handlers were asked.
private final class HandlerLog: Sendable {
    let calls = Mutex<[String]>([])
    func record(_ call: String) { calls.withLock { $0.append(call) } }
    var all: [String] { calls.withLock { $0 } }
}

/// A share directory with files of several kinds, a file outside it that must never be
/// served, its index, and a running server.
private struct ServerFixture {
    static let marker = "TOP-SECRET-OUTSIDE-THE-SHARE"
    static let secret = AdminSecret("good-secret-123")

    let base: String
    var root: String { base + "/share" }
    let database: NodeDatabase
    let index: ShareIndex
    let server: FileServer
    let counters: TransferCounters
    let log: HandlerLog
    /// The contents of each shared file, by path.
    let files: [String: Data]

    var url: String { server.baseURL }

    static func make(fetchResult: @escaping @Sendable (String) throws(SharingError) -> Data = { _ in Data(#"{"ok":true}"#.utf8) },
                     shareNothing: Bool = false) async throws -> ServerFixture {
        let base = TestPaths.temporaryDirectory()
        let root = base + "/share"
        let fileManager = FileManager.default
        for directory in [root + "/sub", base + "/outside", base + "/data"] {
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var files: [String: Data] = [
            "hello.txt": Data("hello, world\n".utf8),
            "sub/data.bin": Data(testBytes(3 * SharedFile.pieceSize + 12_345, seed: 7)),
            "empty.bin": Data(),
            "name with space & 100%.txt": Data("odd name\n".utf8),
        ]
        for (path, data) in files { try data.write(to: URL(fileURLWithPath: root + "/" + path)) }
        try Data("hidden\n".utf8).write(to: URL(fileURLWithPath: root + "/.hidden"))
        try Data((marker + "\n").utf8).write(to: URL(fileURLWithPath: base + "/outside/secret.txt"))
        try fileManager.createSymbolicLink(atPath: root + "/escape", withDestinationPath: base + "/outside/secret.txt")
        try fileManager.createSymbolicLink(atPath: root + "/escape-dir", withDestinationPath: base + "/outside")
        try fileManager.createSymbolicLink(atPath: root + "/inside-link", withDestinationPath: root + "/hello.txt")
        files["inside-link"] = files["hello.txt"]

        let database = try NodeDatabase(location: .directory(base + "/data"), port: 0, logger: Logger(label: "test"))
        let index = try ShareIndex(root: ShareRoot(root), database: database)
        let report = try await index.scan()
        #expect(report.totalFiles == files.count)

        let log = HandlerLog()
        let handlers = FileServerHandlers(
            whoHas: { name, history in
                log.record("whoHas \(name) \(history.map(\.description).joined(separator: ","))")
                return WhoHasAnswer(providers: [ProviderOffer(url: "http://127.0.0.1:7001", path: name, size: 3,
                                                              sha256: String(repeating: "ab", count: 32))],
                                    asked: history.map(\.hex))
            },
            stats: {
                log.record("stats")
                return Data(#"{"uploaded":42}"#.utf8)
            },
            fetch: { file throws(SharingError) in
                log.record("fetch \(file)")
                return try fetchResult(file)
            })
        let counters = TransferCounters()
        var logger = Logger(label: "test.fileserver")
        logger.logLevel = .warning
        let server = try await FileServer.start(host: "127.0.0.1", port: 0, index: shareNothing ? nil : index, secret: secret,
                                                handlers: handlers, counters: counters, logger: logger)
        return ServerFixture(base: base, database: database, index: index, server: server, counters: counters, log: log, files: files)
    }

    private init(base: String, database: NodeDatabase, index: ShareIndex, server: FileServer, counters: TransferCounters,
                 log: HandlerLog, files: [String: Data]) {
        self.base = base
        self.database = database
        self.index = index
        self.server = server
        self.counters = counters
        self.log = log
        self.files = files
    }

    func stop() async {
        await server.close()
        await database.flush()  // the background counts of served files
        database.close()
        try? FileManager.default.removeItem(atPath: base)
    }

    func sha256(of path: String) async throws -> String {
        try #require(await index.file(atPath: path)).sha256.hexString
    }
}

/// Runs `body` with a fresh fixture, and stops it whatever happens.
private func withServer(fetchResult: @escaping @Sendable (String) throws(SharingError) -> Data = { _ in Data(#"{"ok":true}"#.utf8) },
                        shareNothing: Bool = false, _ body: (ServerFixture) async throws -> Void) async throws {
    let fixture = try await ServerFixture.make(fetchResult: fetchResult, shareNothing: shareNothing)
    try await withTeardown { await fixture.stop() } body: { try await body(fixture) }
}

/// What `curl` got: status, body and the (last) response's headers, names lowercased.
private struct CurlResult {
    var status: Int
    var body: Data
    var headers: [String: String]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs the real curl, with `--path-as-is` so `..` reaches the server unchanged.
private func curl(_ url: String, _ arguments: [String] = []) async throws -> CurlResult {
    let scratch = TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let result = try await ChildProcess.run(
        "/usr/bin/curl",
        ["--silent", "--show-error", "--path-as-is", "--max-time", "30", "--output", scratch + "/body",
         "--dump-header", scratch + "/headers", "--write-out", "%{http_code}"] + arguments + [url],
        timeout: 40)
    #expect(result.status == 0, "curl \(arguments) \(url): \(result.stderr)")
    let body = (try? Data(contentsOf: URL(fileURLWithPath: scratch + "/body"))) ?? Data()
    let headerText = (try? String(contentsOfFile: scratch + "/headers", encoding: .utf8)) ?? ""
    var headers: [String: String] = [:]
    for line in headerText.components(separatedBy: "\r\n") {
        if line.hasPrefix("HTTP/") { headers = [:]; continue }
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return CurlResult(status: Int(result.stdout) ?? -1, body: body, headers: headers)
}

/// An AsyncHTTPClient request, its body collected.
private func fetch(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = []) async throws
    -> (status: Int, headers: HTTPHeaders, body: Data) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (Int(response.status.code), response.headers, Data(buffer: body))
}

@Suite(.timeLimit(.minutes(2))) struct FileServerTests {
    @Test func servesWholeFilesAndRangesToAsyncHTTPClient() async throws {
        try await withServer { fixture in
            let data = try #require(fixture.files["sub/data.bin"])
            let hash = try await fixture.sha256(of: "sub/data.bin")

            for url in [fixture.url + "/files/sub/data.bin", fixture.url + "/sha256/" + hash, fixture.url + "/sha256/" + hash.uppercased()] {
                let response = try await fetch(url)
                #expect(response.status == 200)
                #expect(response.body == data)
                #expect(response.headers.first(name: "content-length") == String(data.count))
                #expect(response.headers.first(name: "etag") == "\"\(hash)\"")
                #expect(response.headers.first(name: "accept-ranges") == "bytes")
                #expect(response.headers.first(name: "content-type") == "application/octet-stream")
                #expect(response.headers.first(name: "last-modified")?.hasSuffix(" GMT") == true)
            }

            let size = data.count
            let ranges: [(String, Range<Int>)] = [
                ("bytes=0-0", 0 ..< 1),
                ("bytes=100-199", 100 ..< 200),
                ("bytes=1048576-2097151", 1_048_576 ..< 2_097_152),  // a whole piece, as a downloader asks
                ("bytes=\(size - 5)-", size - 5 ..< size),
                ("bytes=-10", size - 10 ..< size),
                ("bytes=\(size - 3)-\(size + 1000)", size - 3 ..< size),
                ("bytes=1000-", 1000 ..< size),  // longer than one chunk of the server
            ]
            for (header, expected) in ranges {
                let response = try await fetch(fixture.url + "/sha256/" + hash, headers: [("Range", header)])
                #expect(response.status == 206, "\(header)")
                #expect(response.body == data.subdata(in: expected), "\(header)")
                #expect(response.headers.first(name: "content-range") == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/\(size)")
                #expect(response.headers.first(name: "content-length") == String(expected.count))
            }

            // Several ranges, or a malformed one, are ignored: the whole file.
            for header in ["bytes=0-1,5-6", "bytes=abc", "bytes=9-3", "lines=1-2"] {
                let response = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("Range", header)])
                #expect(response.status == 200, "\(header)")
                #expect(response.body == data, "\(header)")
            }

            // Past the end: 416 saying the size.
            for header in ["bytes=\(size)-", "bytes=\(size + 10)-\(size + 20)", "bytes=-0"] {
                let response = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("Range", header)])
                #expect(response.status == 416, "\(header)")
                #expect(response.headers.first(name: "content-range") == "bytes */\(size)")
                #expect(!response.body.isEmpty && response.body.count < 300)
            }

            // If-Range with another tag asks for the whole file.
            let ifRange = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("Range", "bytes=0-9"), ("If-Range", "\"other\"")])
            #expect(ifRange.status == 200 && ifRange.body == data)
            let ifRangeMatching = try await fetch(fixture.url + "/files/sub/data.bin",
                                                  headers: [("Range", "bytes=0-9"), ("If-Range", "\"\(hash)\"")])
            #expect(ifRangeMatching.status == 206 && ifRangeMatching.body == data.prefix(10))

            // The empty file.
            let empty = try await fetch(fixture.url + "/files/empty.bin")
            #expect(empty.status == 200 && empty.body.isEmpty && empty.headers.first(name: "content-length") == "0")
            #expect(try await fetch(fixture.url + "/files/empty.bin", headers: [("Range", "bytes=0-0")]).status == 416)

            // Percent-encoded names, and links that stay inside the share.
            let odd = try await fetch(fixture.url + "/files/name%20with%20space%20%26%20100%25.txt")
            #expect(odd.status == 200 && odd.body == fixture.files["name with space & 100%.txt"])
            let link = try await fetch(fixture.url + "/files/inside-link")
            #expect(link.status == 200 && link.body == fixture.files["hello.txt"])
        }
    }

    @Test func curlDownloadsAreByteIdentical() async throws {
        try await withServer { fixture in
            let data = try #require(fixture.files["sub/data.bin"])
            let hash = try await fixture.sha256(of: "sub/data.bin")

            let whole = try await curl(fixture.url + "/files/sub/data.bin")
            #expect(whole.status == 200)
            #expect(whole.body == data)
            #expect(whole.headers["etag"] == "\"\(hash)\"")

            let byHash = try await curl(fixture.url + "/sha256/" + hash)
            #expect(byHash.status == 200 && byHash.body == data)

            let piece = try await curl(fixture.url + "/sha256/" + hash, ["--range", "1048576-2097151"])
            #expect(piece.status == 206)
            #expect(piece.body == data.subdata(in: 1_048_576 ..< 2_097_152))
            #expect(piece.headers["content-range"] == "bytes 1048576-2097151/\(data.count)")

            let tail = try await curl(fixture.url + "/files/sub/data.bin", ["--range", "-12345"])
            #expect(tail.status == 206 && tail.body == data.suffix(12345))

            // Resuming a partial download with curl -C -.
            let scratch = TestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            try data.prefix(1_500_000).write(to: URL(fileURLWithPath: scratch + "/partial"))
            let resumed = try await ChildProcess.run("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "30", "-C", "-",
                                                                       "--output", scratch + "/partial", fixture.url + "/files/sub/data.bin"],
                                                     timeout: 40)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch + "/partial")) == data)
        }
    }

    @Test func headAndNotModified() async throws {
        try await withServer { fixture in
            let data = try #require(fixture.files["sub/data.bin"])
            let hash = try await fixture.sha256(of: "sub/data.bin")

            let head = try await curl(fixture.url + "/files/sub/data.bin", ["--head"])
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == String(data.count))
            #expect(head.headers["etag"] == "\"\(hash)\"")
            #expect(head.headers["accept-ranges"] == "bytes")
            #expect(head.headers["last-modified"] != nil)

            let clientHead = try await fetch(fixture.url + "/sha256/" + hash, method: .HEAD, headers: [("Range", "bytes=0-9")])
            #expect(clientHead.status == 200)  // Range is for GET only
            #expect(clientHead.body.isEmpty)
            #expect(clientHead.headers.first(name: "content-length") == String(data.count))

            for condition in ["\"\(hash)\"", "W/\"\(hash)\"", "\"other\", \"\(hash)\"", "*"] {
                let response = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("If-None-Match", condition)])
                #expect(response.status == 304, "\(condition)")
                #expect(response.body.isEmpty)
                #expect(response.headers.first(name: "etag") == "\"\(hash)\"")
            }
            let changed = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("If-None-Match", "\"0000\"")])
            #expect(changed.status == 200 && changed.body == data)
            let curlNotModified = try await curl(fixture.url + "/files/hello.txt",
                                                 ["--header", "If-None-Match: \"\(try await fixture.sha256(of: "hello.txt"))\""])
            #expect(curlNotModified.status == 304 && curlNotModified.body.isEmpty)
        }
    }

    @Test func pieceListAndFileList() async throws {
        try await withServer { fixture in
            let file = try #require(await fixture.index.file(atPath: "sub/data.bin"))

            let response = try await fetch(fixture.url + "/pieces/" + file.sha256.hexString)
            #expect(response.status == 200)
            #expect(response.headers.first(name: "content-type") == "application/json")
            #expect(String(decoding: response.body, as: UTF8.self).contains(#""piece_size":"#), "snake_case, as everywhere")
            let list = try JSONDecoder.results.decode(PieceList.self, from: response.body)
            #expect(list == PieceList(file))
            let validated = try list.validated(expecting: file.sha256)
            #expect(validated.pieceHashes.count == 4)

            #expect(try await fetch(fixture.url + "/pieces/" + String(repeating: "0", count: 64)).status == 404)
            #expect(try await fetch(fixture.url + "/pieces/xyz").status == 400)
            #expect(try await fetch(fixture.url + "/pieces/" + String(repeating: "0", count: 63)).status == 400)
            #expect(try await fetch(fixture.url + "/sha256/" + String(repeating: "g", count: 64)).status == 400)
            #expect(try await fetch(fixture.url + "/sha256/" + String(repeating: "0", count: 64)).status == 404)

            struct Entry: Decodable, Equatable { var path: String; var size: Int64; var sha256: String }
            let listing = try await fetch(fixture.url + "/files")
            #expect(listing.status == 200)
            let entries = try JSONDecoder().decode([Entry].self, from: listing.body)
            #expect(Set(entries.map(\.path)) == Set(fixture.files.keys))
            #expect(entries.first { $0.path == "sub/data.bin" } == Entry(path: "sub/data.bin", size: file.size, sha256: file.sha256.hexString))
        }
    }

    @Test func pathEscapesNeverReachTheFile() async throws {
        try await withServer { fixture in
            let outside = "/files/"
            let attempts = [
                outside + "../outside/secret.txt",
                outside + "sub/../../outside/secret.txt",
                outside + "%2e%2e/outside/secret.txt",
                outside + "%2E%2E/outside/secret.txt",
                outside + "%2e%2e%2foutside%2fsecret.txt",
                outside + "..%2foutside%2fsecret.txt",
                outside + "sub%2F..%2F..%2Foutside%2Fsecret.txt",
                outside + "sub/..%2f..%2foutside/secret.txt",
                outside + "%2F" + String(fixture.base.dropFirst()).replacingOccurrences(of: "/", with: "%2F") + "%2Foutside%2Fsecret.txt",
                outside + "/" + fixture.base + "/outside/secret.txt",
                outside + "/etc/passwd",
                outside + "%2Fetc%2Fpasswd",
                outside + "%2F%2Fetc/passwd",
                outside + "escape",                        // a link that leaves the share
                outside + "escape-dir/secret.txt",         // through a link to a directory outside
                outside + "..%5coutside%5csecret.txt",     // backslashes
                outside + "hello.txt%00",                  // NUL
                outside + "escape%00hello.txt",
                outside + "%00",
                outside + "%c0%ae%c0%ae/outside/secret.txt",  // overlong UTF-8 for ".."
                outside + "%252e%252e%252foutside%252fsecret.txt",  // decoded once only: a literal name, absent
                outside + ".hidden",
                outside + "%2ehidden",
                outside + "sub/",
                outside + "sub",
                outside + "./hello.txt",
                outside + "hello.txt/",
                outside + "sub//data.bin",
                outside + String(repeating: "a", count: 300),
                outside + String(repeating: "a/", count: 2100) + "x",
                outside + "%zz",
                outside,
                "/sha256/../files/escape",
                "/sha256/..%2f..%2foutside%2fsecret.txt",
                "/pieces/..%2f..%2foutside%2fsecret.txt",
            ]
            let secretBytes = try Data(contentsOf: URL(fileURLWithPath: fixture.base + "/outside/secret.txt"))
            for attempt in attempts {
                let result = try await curl(fixture.url + attempt)
                #expect((400 ..< 500).contains(result.status), "\(attempt) → \(result.status)")
                #expect(!result.text.contains(ServerFixture.marker), "\(attempt) leaked the file")
                #expect(!result.text.contains("root:"), "\(attempt) leaked /etc/passwd")
                #expect(result.body != secretBytes && result.body != fixture.files["hello.txt"], "\(attempt)")
                #expect(result.headers["content-type"] == "application/json", "\(attempt)")
                #expect(result.text.hasPrefix(#"{"error":""#), "errors are JSON, as --json's: \(result.text)")
            }
            // The same through AsyncHTTPClient, for the ones a URL parser keeps as they are.
            for attempt in attempts where !attempt.contains("..") && !attempt.contains("//") && !attempt.contains("%zz") {
                let response = try await fetch(fixture.url + attempt)
                #expect((400 ..< 500).contains(response.status), "\(attempt) → \(response.status)")
                #expect(!String(decoding: response.body, as: UTF8.self).contains(ServerFixture.marker))
            }
            // Decoded exactly once: an encoded traversal is refused as a traversal (400), a double-encoded one
            // is a literal (absent) name (404).
            #expect(try await curl(fixture.url + "/files/%2e%2e%2foutside%2fsecret.txt").status == 400)
            #expect(try await curl(fixture.url + "/files/%252e%252e%252foutside%252fsecret.txt").status == 404)
            // The server is still fine.
            #expect(try await curl(fixture.url + "/files/hello.txt").body == fixture.files["hello.txt"])
        }
    }

    @Test func aFileChangedSinceIndexingIsNotServed() async throws {
        try await withServer { fixture in
            let path = fixture.root + "/hello.txt"
            try Data("HELLO, WORLD\n".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: path)
            let hash = try await fixture.sha256(of: "hello.txt")
            for url in [fixture.url + "/files/hello.txt", fixture.url + "/sha256/" + hash] {
                let response = try await fetch(url)
                #expect(response.status == 404)
                #expect(!String(decoding: response.body, as: UTF8.self).contains("HELLO"))
            }
            _ = try await fixture.index.scan()
            let rescanned = try await fetch(fixture.url + "/files/hello.txt")
            #expect(rescanned.status == 200 && rescanned.body == Data("HELLO, WORLD\n".utf8))
            // A file that is gone.
            try FileManager.default.removeItem(atPath: fixture.root + "/sub/data.bin")
            #expect(try await fetch(fixture.url + "/files/sub/data.bin").status == 404)
        }
    }

    @Test func adminRoutesNeedTheSecret() async throws {
        try await withServer(fetchResult: { file throws(SharingError) in
            switch file {
            case "exists.bin": throw .targetExists("/tmp/exists.bin")
            case "nowhere.bin": throw .fileNotFound("nowhere.bin")
            case "big.bin": throw .diskFull(directory: "/tmp", needed: 10)
            case "broken.bin": throw .fetchFailed("2 providers failed")
            default: return Data(#"{"path":"\#(file)"}"#.utf8)
            }
        }) { fixture in

            let refused: [(String, HTTPMethod, [(String, String)])] = [
                ("/admin/stats", .GET, []),
                ("/admin/stats", .GET, [("Authorization", "Bearer wrong")]),
                ("/admin/stats", .GET, [("Authorization", "Bearer good-secret-12")]),
                ("/admin/stats", .GET, [("Authorization", "Basic good-secret-123")]),
                ("/admin/stats", .GET, [("Authorization", "good-secret-123")]),
                ("/admin/fetch?file=x", .POST, []),
                ("/admin/fetch?file=x", .POST, [("Authorization", "Bearer nope")]),
                ("/admin/unknown", .GET, []),
                ("/admin", .GET, []),
            ]
            for (path, method, headers) in refused {
                let response = try await fetch(fixture.url + path, method: method, headers: headers)
                #expect(response.status == 401, "\(path) \(headers)")
                #expect(response.headers.first(name: "www-authenticate") == "Bearer")
            }
            #expect(try await curl(fixture.url + "/admin/stats").status == 401)
            #expect(fixture.log.all.isEmpty, "a handler ran without the secret: \(fixture.log.all)")

            let good = [("Authorization", "Bearer good-secret-123")]
            let stats = try await fetch(fixture.url + "/admin/stats", headers: good)
            #expect(stats.status == 200 && stats.body == Data(#"{"uploaded":42}"#.utf8))
            #expect(stats.headers.first(name: "content-type") == "application/json")
            let curlStats = try await curl(fixture.url + "/admin/stats", ["--oauth2-bearer", "good-secret-123"])
            #expect(curlStats.status == 200 && curlStats.text == #"{"uploaded":42}"#)

            let fetched = try await fetch(fixture.url + "/admin/fetch?file=some%20file.bin", method: .POST, headers: good)
            #expect(fetched.status == 200 && fetched.body == Data(#"{"path":"some file.bin"}"#.utf8))
            for (file, status) in [("exists.bin", 409), ("nowhere.bin", 404), ("big.bin", 507), ("broken.bin", 502)] {
                let response = try await fetch(fixture.url + "/admin/fetch?file=" + file, method: .POST, headers: good)
                #expect(response.status == status, "\(file)")
                #expect(response.headers.first(name: "content-type") == "application/json")
                #expect(String(decoding: response.body, as: UTF8.self).hasPrefix(#"{"error":""#))
            }
            #expect(try await fetch(fixture.url + "/admin/fetch", method: .POST, headers: good).status == 400)
            #expect(try await fetch(fixture.url + "/admin/fetch?file=a%00b", method: .POST, headers: good).status == 400)
            let wrongMethod = try await fetch(fixture.url + "/admin/fetch?file=x", method: .GET, headers: good)
            #expect(wrongMethod.status == 405 && wrongMethod.headers.first(name: "allow") == "POST")
            #expect(fixture.log.all == ["stats", "stats", "fetch some file.bin", "fetch exists.bin", "fetch nowhere.bin",
                                        "fetch big.bin", "fetch broken.bin"])
        }
    }

    @Test func whoHasQueries() async throws {
        try await withServer { fixture in
            let first = String(repeating: "01", count: 20), second = String(repeating: "ef", count: 20)
            let response = try await fetch(fixture.url + "/who-has?name=a%20b%2Bc%26d.txt&history=\(first),\(second)")
            #expect(response.status == 200)
            let offers = try JSONDecoder.results.decode(WhoHasAnswer.self, from: response.body).providers
            #expect(offers == [ProviderOffer(url: "http://127.0.0.1:7001", path: "a b+c&d.txt", size: 3,
                                             sha256: String(repeating: "ab", count: 32))])
            let plain = try await fetch(fixture.url + "/who-has?name=x+y")  // '+' is a plus, not a space
            #expect(plain.status == 200)
            #expect(fixture.log.all == ["whoHas a b+c&d.txt \(NodeID(hex: first)!),\(NodeID(hex: second)!)", "whoHas x+y "])

            for bad in ["/who-has", "/who-has?name=", "/who-has?history=\(first)", "/who-has?name=x&history=zz",
                        "/who-has?name=x&history=\(first),", "/who-has?name=x&name=y", "/who-has?name=%zz", "/who-has?name=a%00"] {
                let response = try await curl(fixture.url + bad)
                #expect(response.status == 400, "\(bad)")
            }
            let tooLong = (0..<65).map { _ in first }.joined(separator: ",")
            #expect(try await fetch(fixture.url + "/who-has?name=x&history=" + tooLong).status == 400)
            #expect(try await fetch(fixture.url + "/who-has?name=x", method: .POST).status == 405)
            #expect(fixture.log.all.count == 2)
        }
    }

    @Test func otherRoutesAndMethods() async throws {
        try await withServer { fixture in
            #expect(try await fetch(fixture.url + "/").status == 404)
            #expect(try await fetch(fixture.url + "/nothing").status == 404)
            let post = try await fetch(fixture.url + "/files/hello.txt", method: .POST)
            #expect(post.status == 405 && post.headers.first(name: "allow") == "GET, HEAD")
            #expect(try await fetch(fixture.url + "/files/hello.txt", method: .DELETE).status == 405)
            #expect(try await fetch(fixture.url + "/files/hello.txt?x=1").status == 200)
        }
    }

    @Test func concurrentPieceRequestsGetTheirOwnBytes() async throws {
        try await withServer { fixture in
            let data = try #require(fixture.files["sub/data.bin"])
            let hash = try await fixture.sha256(of: "sub/data.bin")
            let pieces = (data.count + SharedFile.pieceSize - 1) / SharedFile.pieceSize
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<3 {
                    for piece in 0..<pieces {
                        group.addTask {
                            let start = piece * SharedFile.pieceSize, end = min(data.count, start + SharedFile.pieceSize)
                            let response = try await fetch(fixture.url + "/sha256/" + hash, headers: [("Range", "bytes=\(start)-\(end - 1)")])
                            #expect(response.status == 206, "round \(round) piece \(piece)")
                            #expect(response.body == data.subdata(in: start ..< end), "round \(round) piece \(piece)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func anEncodedSlashIsDecodedOnceLikeAnyByte() async throws {
        // `sub%2Fdata.bin` decodes to `sub/data.bin`, a path inside the share that the index knows:
        // the same file as `sub/data.bin`, nothing more (escapes through %2F are refused above).
        try await withServer { fixture in
            let response = try await curl(fixture.url + "/files/sub%2Fdata.bin")
            #expect(response.status == 200 && response.body == fixture.files["sub/data.bin"])
        }
    }

    @Test func httpDates() {
        #expect(FileServer.Responder.httpDate(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(FileServer.Responder.httpDate(Date(timeIntervalSince1970: 0.999)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(FileServer.Responder.httpDate(Date(timeIntervalSince1970: 1_700_000_000)) == "Tue, 14 Nov 2023 22:13:20 GMT")
    }

    @Test func aNodeThatSharesNothing() async throws {
        try await withServer(shareNothing: true) { fixture in
            let hash = try await fixture.sha256(of: "hello.txt")
            #expect(try await fetch(fixture.url + "/files/hello.txt").status == 404)
            #expect(try await fetch(fixture.url + "/sha256/" + hash).status == 404)
            #expect(try await fetch(fixture.url + "/pieces/" + hash).status == 404)
            let listing = try await fetch(fixture.url + "/files")
            #expect(listing.status == 200 && listing.body == Data("[]".utf8))
        }
    }

    @Test func countsBytesSentAndDownloadsServed() async throws {
        try await withServer { fixture in
            let size = try #require(fixture.files["sub/data.bin"]).count
            _ = try await fetch(fixture.url + "/files/sub/data.bin")                                   // counted
            _ = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("Range", "bytes=0-99")])   // counted: first piece
            _ = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("Range", "bytes=100-199")]) // not counted
            _ = try await fetch(fixture.url + "/files/sub/data.bin", method: .HEAD)                   // no body
            _ = try await fetch(fixture.url + "/files/sub/data.bin", headers: [("If-None-Match", "*")])  // no body
            _ = try await curl(fixture.url + "/files/hello.txt")                                        // counted
            #expect(fixture.counters.bytesUploaded == Int64(size + 100 + 100 + 13))
            let database = fixture.database
            let counted = try await eventually {
                let served = try database.sharedFilesTimesServed()
                return served["sub/data.bin"] == 2 && served["hello.txt"] == 1
            }
            let served = try database.sharedFilesTimesServed()
            #expect(counted, "\(served)")
        }
    }

    @Test func reportsAPortInUseAndClosesPromptly() async throws {
        try await withServer { fixture in
            let handlers = FileServerHandlers(whoHas: { _, _ in WhoHasAnswer(providers: [], asked: []) }, stats: { Data() }, fetch: { _ throws(SharingError) in Data() })
            do {
                let second = try await FileServer.start(host: "127.0.0.1", port: fixture.server.port, index: nil, secret: AdminSecret("x"),
                                                        handlers: handlers, counters: TransferCounters(), logger: Logger(label: "test"))
                await second.close()
                Issue.record("a second server listened on the same port")
            } catch {
                #expect(error as? SharingError == .httpPortInUse(fixture.server.port), "\(error)")
            }

            for host in ["203.0.113.7", "no-such-host.invalid"] {  // not this machine's; not a name
                do {
                    let server = try await FileServer.start(host: host, port: 0, index: nil, secret: AdminSecret("x"), handlers: handlers,
                                                            counters: TransferCounters(), logger: Logger(label: "test"))
                    await server.close()
                    Issue.record("listened on \(host)")
                } catch {
                    guard case .bindFailed(let message)? = error as? SharingError else { Issue.record("\(error)"); continue }
                    #expect(message.contains(host), "\(message)")
                }
            }

            // A slow download in progress does not hold close() up, and the port is free afterwards.
            // The file is larger than the socket buffers can hold, so the server is still sending it.
            let big = fixture.root + "/big.bin"
            #expect(FileManager.default.createFile(atPath: big, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
            try handle.truncate(atOffset: 64 << 20)
            try handle.close()
            _ = try await fixture.index.scan()
            let scratch = TestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let slow = try ChildProcess("/usr/bin/curl", ["--silent", "--limit-rate", "200k", "--max-time", "60",
                                                          "--output", scratch + "/slow", fixture.url + "/files/big.bin"])
            defer { slow.terminate() }
            let started = await eventually(timeout: .seconds(10)) {
                ((try? FileManager.default.attributesOfItem(atPath: scratch + "/slow")[.size] as? NSNumber)?.intValue ?? 0) > 0
            }
            #expect(started)
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { await fixture.server.close(); return true }
                    group.addTask { try await Task.sleep(for: .seconds(10)); return false }
                    let closed = try await group.next()!
                    group.cancelAll()
                    #expect(closed, "close() did not return within 10 s")
                }
            }
            #expect(elapsed < .seconds(5))
            // The transfer was cut: curl has what the socket buffers held, far from the whole file.
            slow.terminate()
            _ = try? await slow.waitForExit(timeout: 10)
            let received = (try FileManager.default.attributesOfItem(atPath: scratch + "/slow")[.size] as? NSNumber)?.intValue ?? 0
            #expect(received < 32 << 20, "\(received) bytes")
            let refused = try await ChildProcess.run("/usr/bin/curl", ["--silent", "--max-time", "5", fixture.url + "/files/hello.txt"],
                                                     timeout: 15)
            #expect(refused.status == 7)  // couldn't connect

            let again = try await FileServer.start(host: "127.0.0.1", port: fixture.server.port, index: nil, secret: AdminSecret("x"),
                                                   handlers: handlers, counters: TransferCounters(), logger: Logger(label: "test"))
            #expect(again.port == fixture.server.port)
            await again.close()
            await again.close()  // idempotent
        }
    }
}
