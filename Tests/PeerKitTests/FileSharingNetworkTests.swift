import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing
import TestSupport
@testable import FileSharing
@testable import PeerKit

/// Real nodes with real file-sharing peers on 127.0.0.1 in this process: files shared by one
/// node are found through the DHT or through neighbours, and fetched, byte for byte.
@Suite(.serialized) struct FileSharingNetworkTests {
    struct SharingNode {
        let node: Node
        let peer: FileSharingPeer
        let share: String

        func close() async {
            await peer.close()
            await node.close()
        }
    }

    static let secret = AdminSecret("test-secret-0123456789abcdef")

    static func start(announces: Bool = true, files: [String: [UInt8]] = [:]) async throws -> SharingNode {
        let share = TestPaths.temporaryDirectory()
        for (name, bytes) in files {
            try Data(bytes).write(to: URL(fileURLWithPath: share + "/" + name))
        }
        let node = try await TestNetwork.startNode()
        var configuration = SharingConfiguration(secret: secret)
        configuration.httpHost = "127.0.0.1"
        configuration.httpPort = 0
        configuration.shareDirectory = share
        configuration.announces = announces
        let peer = try await FileSharingPeer.start(node: node, configuration: configuration)
        return SharingNode(node: node, peer: peer, share: share)
    }

    static func join(_ joiner: SharingNode, to other: SharingNode) async throws {
        _ = try await joiner.peer.join(try #require(await other.node.localAddress))
    }

    /// Announces until at least one node took the announcement (bounded). The peer's own
    /// background loop may have announced first: that counts too.
    static func announce(_ node: SharingNode) async {
        let taken = await eventually(timeout: .seconds(3), every: .milliseconds(100)) {
            if await node.peer.announceDue() > 0 { return true }
            return await node.peer.announcements.values.contains { $0.acknowledgements > 0 }
        }
        #expect(taken, "no node took the announcement")
    }

    /// Starts nodes with `starts`, one after another, runs `body` with them, and closes every
    /// node started (awaited), whether a start or `body` threw.
    static func withNodes(_ starts: [() async throws -> SharingNode], _ body: ([SharingNode]) async throws -> Void) async throws {
        var started: [SharingNode] = []
        do {
            for start in starts { started.append(try await start()) }
        } catch {
            for node in started { await node.close() }
            throw error
        }
        let nodes = started
        try await withTeardown { for node in nodes { await node.close() } } body: { try await body(nodes) }
    }

    @Test func aFetchReturnsOnceTheFileIsInPlaceAndAnnouncesAfterwards() async throws {
        let content = testBytes(26, seed: 9)
        try await Self.withNodes([
            { try await Self.start(files: ["small.txt": content]) },
            { try await Self.start() },
            { try await Self.start() },
        ]) { nodes in
            let (a, b, gone) = (nodes[0], nodes[1], nodes[2])
            try await Self.join(b, to: a)
            try await Self.join(b, to: gone)
            await Self.announce(a)
            // A node b knows leaves without a goodbye: announcing now has to wait it out.
            await gone.node.close()
            let report = try await b.peer.fetch("small.txt")
            #expect(report.shared)
            #expect(await b.peer.announcements["small.txt"] == nil, "the fetch did not wait for its announcement")
            #expect(await eventually(timeout: .seconds(30)) {
                (await b.peer.announcements["small.txt"]?.acknowledgements ?? 0) > 0
            }, "and the announcement follows in the background")
        }
    }

    @Test func aProviderThatLeftIsSkippedAndTheSharerServes() async throws {
        let content = testBytes(100_000, seed: 10)
        try await Self.withNodes([
            { try await Self.start(files: ["left.bin": content]) },
            { try await Self.start() },
            { try await Self.start() },
        ]) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            try await Self.join(b, to: a)
            await Self.announce(a)
            // b fetches the file, so it shares it and announces itself as a provider; then it leaves.
            _ = try await b.peer.fetch("left.bin")
            #expect(await eventually(timeout: .seconds(30)) {
                (await b.peer.announcements["left.bin"]?.acknowledgements ?? 0) > 0
            })
            await b.close()
            // c arrives later: the DHT's providers of the file are b alone, which is gone; a,
            // its neighbour, shares it too.
            try await Self.join(c, to: a)
            let byName = try await c.peer.fetch("left.bin")
            #expect(try Data(contentsOf: URL(fileURLWithPath: byName.path)) == Data(content))
            let elsewhere = TestPaths.temporaryDirectory()
            let byHash = try await c.peer.fetch(byName.sha256, to: elsewhere)
            #expect(try Data(contentsOf: URL(fileURLWithPath: byHash.path)) == Data(content))
        }
    }

    @Test func aFileSharedByOneNodeIsFetchedByNameAndByHashThroughTheDHT() async throws {
        let content = testBytes(2 * SharedFile.pieceSize + 12_345, seed: 1)
        try await Self.withNodes([
            { try await Self.start(files: ["report.bin": content]) },
            { try await Self.start() },
            { try await Self.start() },
        ]) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            try await Self.join(b, to: a)
            try await Self.join(c, to: a)
            try await Self.join(c, to: b)
            await Self.announce(a)

            let sources = SourceLog()
            let byName = try await c.peer.fetch("report.bin", resolved: { plan in sources.add(plan.source) })
            #expect(!byName.alreadyPresent)
            #expect(byName.shared)
            #expect(try Data(contentsOf: URL(fileURLWithPath: c.share + "/report.bin")) == Data(content))
            #expect(sources.all == [.dht])

            let elsewhere = TestPaths.temporaryDirectory()
            let sha256 = byName.sha256
            let byHash = try await b.peer.fetch(sha256, to: elsewhere)
            #expect(try Data(contentsOf: URL(fileURLWithPath: elsewhere + "/report.bin")) == Data(content))
            #expect(byHash.sha256 == sha256)

            // Fetching what is already shared downloads nothing.
            let again = try await c.peer.fetch("report.bin")
            #expect(again.alreadyPresent)
            let stats = await c.peer.statistics()
            #expect(stats.fetchesSucceeded == 2)
            #expect(stats.bytesDownloaded == Int64(content.count))
        }
    }

    @Test func aFileTwoHopsAwayIsFoundByTheNeighbourQueryWithoutTheDHT() async throws {
        let content = testBytes(300_000, seed: 2)
        try await Self.withNodes([
            { try await Self.start(announces: false, files: ["far.txt": content]) },
            { try await Self.start(announces: false) },
            { try await Self.start(announces: false) },
        ]) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            try await Self.join(b, to: a)  // a and b are neighbours
            try await Self.join(c, to: b)  // b and c are neighbours; a is not c's neighbour
            #expect(await !c.peer.neighbours().map(\.id).contains(a.node.id))
            #expect(await c.peer.neighbours().map(\.id) == [b.node.id])

            let sources = SourceLog()
            let report = try await c.peer.fetch("far.txt", resolved: { plan in sources.add(plan.source) })
            #expect(sources.all == [.neighbours])
            #expect(report.providers == 1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: c.share + "/far.txt")) == Data(content))
        }
    }

    @Test func aFileHeldByThreeProvidersComesFromMoreThanOne() async throws {
        let content = testBytes(12 * SharedFile.pieceSize, seed: 3)
        let starts = Array(repeating: { try await Self.start(files: ["big.bin": content]) }, count: 3)
        try await Self.withNodes(starts + [{ try await Self.start() }]) { everyone in
            let (providers, fetcher) = (Array(everyone.prefix(3)), everyone[3])
            for provider in providers.dropFirst() { try await Self.join(provider, to: providers[0]) }
            try await Self.join(fetcher, to: providers[0])
            for provider in providers { await Self.announce(provider) }

            let counted = SourceLog()
            let report = try await fetcher.peer.fetch("big.bin", resolved: { plan in counted.add(plan.source, providers: plan.providers.count) })
            #expect(counted.providerCounts.first == 3)
            #expect(report.providers > 1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: fetcher.share + "/big.bin")) == Data(content))
            var uploaded: Int64 = 0
            for provider in providers { uploaded += await provider.peer.statistics().bytesUploaded }
            #expect(uploaded >= Int64(content.count))
        }
    }

    @Test func aMissingFileIsReportedAsNotFound() async throws {
        try await Self.withNodes([
            { try await Self.start() },
            { try await Self.start() },
        ]) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try await Self.join(b, to: a)
            await #expect(throws: SharingError.fileNotFound("\"nothing-here.txt\"")) {
                _ = try await b.peer.fetch("nothing-here.txt")
            }
            #expect(await b.peer.statistics().fetchesFailed == 1)
        }
    }

    @Test func aTrustedAdminOrdersAFetchOverHTTP() async throws {
        let content = testBytes(100_000, seed: 4)
        try await Self.withNodes([
            { try await Self.start(files: ["ordered.txt": content]) },
            { try await Self.start() },
        ]) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try await Self.join(b, to: a)
            await Self.announce(a)
            let url = "http://127.0.0.1:\(await b.peer.httpPort)/admin/fetch?file=ordered.txt"

            // Without the secret, or with a wrong one: 401, and nothing is fetched.
            for header in [nil, "Bearer wrong-secret-0123456789abcdef"] {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                if let header { request.headers.add(name: "Authorization", value: header) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(response.status == .unauthorized)
                _ = try await response.body.collect(upTo: 1 << 16)
            }
            #expect(!FileManager.default.fileExists(atPath: b.share + "/ordered.txt"))

            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(Self.secret.text)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            let body = try await response.body.collect(upTo: 1 << 16)
            #expect(String(buffer: body).contains("\"resumed_pieces\""), "snake_case, as the shell's fetch --json")
            let report = try JSONDecoder.results.decode(FetchReport.self, from: Data(buffer: body))
            #expect(report.sha256 == (try await a.peer.files()).first?.sha256)
            #expect(try Data(contentsOf: URL(fileURLWithPath: b.share + "/ordered.txt")) == Data(content))
        }
    }
}

/// Records what a fetch's `resolved` callback saw.
final class SourceLog: Sendable {
    private let state = Mutex<([FetchPlan.Source], [Int])>(([], []))
    func add(_ source: FetchPlan.Source, providers: Int = 0) { state.withLock { $0.0.append(source); $0.1.append(providers) } }
    var all: [FetchPlan.Source] { state.withLock { $0.0 } }
    var providerCounts: [Int] { state.withLock { $0.1 } }
}
