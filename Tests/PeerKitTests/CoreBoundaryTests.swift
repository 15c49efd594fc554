import Foundation
import Testing

/// What the DHT core may not do, checked on its source: it reads the time and sleeps only
/// through its clock (one file holds the real one), and it knows nothing of HTTP.
@Suite struct CoreBoundaryTests {
    static let core = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/PeerKit").standardized

    static func sources() throws -> [(name: String, text: String)] {
        let files = FileManager.default.enumerator(atPath: core.path)?.compactMap { $0 as? String } ?? []
        return try files.filter { $0.hasSuffix(".swift") }.sorted().map {
            ($0, try String(contentsOf: core.appendingPathComponent($0), encoding: .utf8))
        }
    }

    @Test func onlyTheSystemClockReadsRealTime() throws {
        let sources = try Self.sources()
        #expect(sources.count > 30, "found the core's sources")
        let realTime = ["Date()", "ContinuousClock", "Task.sleep", "scheduleTask", "NIODeadline", "DispatchTime"]
        for (name, text) in sources where name != "Engine/SystemClock.swift" {
            for word in realTime {
                #expect(!text.contains(word), "\(name) uses \(word): read time through the node's DHTClock")
            }
        }
    }

    @Test func theCoreImportsNoHTTPLibrary() throws {
        for (name, text) in try Self.sources() {
            for module in ["Hummingbird", "AsyncHTTPClient", "NIOHTTP1"] {
                #expect(!text.contains("import \(module)"), "\(name) imports \(module)")
            }
        }
    }
}
