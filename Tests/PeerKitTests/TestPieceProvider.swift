import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TestSupport
@testable import FileSharing
@testable import PeerKit

/// A tiny provider for download tests: a Hummingbird server on 127.0.0.1 (any free port)
/// serving one in-memory file at `/pieces/<hex>` and `/sha256/<hex>` (with `Range`), and
/// misbehaving on request.
final class TestPieceProvider: Sendable {
    /// How the provider misbehaves.
    struct Faults: Sendable {
        /// Pieces (by index) sent with one byte flipped.
        var corruptPieces: Set<Int> = []
        /// Every piece sent with one byte flipped.
        var corruptAll = false
        /// After this many piece requests, the next one gets half its body and the connection
        /// is closed, and the server stops.
        var dieAfterPieces: Int?
        /// Waited before each piece body.
        var delay: Duration?
        /// Sends half of each piece body, then nothing (until the client gives up).
        var stall = false
        /// Ignores `Range` and sends the whole file with 200.
        var ignoreRange = false
        /// Sends this many bytes more than asked, chunked (no Content-Length).
        var extraBytes = 0
        /// Answers `/pieces` with this list instead of the true one.
        var pieceList: PieceList?

        init(corruptPieces: Set<Int> = [], corruptAll: Bool = false, dieAfterPieces: Int? = nil, delay: Duration? = nil,
             stall: Bool = false, ignoreRange: Bool = false, extraBytes: Int = 0, pieceList: PieceList? = nil) {
            self.extraBytes = extraBytes
            self.corruptPieces = corruptPieces
            self.corruptAll = corruptAll
            self.dieAfterPieces = dieAfterPieces
            self.delay = delay
            self.stall = stall
            self.ignoreRange = ignoreRange
            self.pieceList = pieceList
        }
    }

    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let task: Task<Void, Never>
    private let services: ServiceGroup
    private let state: State

    fileprivate final class State: Sendable {
        /// The file in chunks of 1 MiB: a slice of a `ByteBuffer` that starts beyond 16 MiB
        /// is a copy, so one big buffer would make the server copy every piece it sends.
        let chunks: [ByteBuffer]
        let size: Int64
        static let chunkSize = 1 << 20
        let list: PieceList
        let faults: Faults
        /// Start offsets of the piece requests answered (whole or not), in order.
        let requests = Mutex<[Int64]>([])
        let stopper = Mutex<(@Sendable () async -> Void)?>(nil)
        /// Set when the server stops: handlers that stall give up.
        let stopped = Atomic<Bool>(false)

        init(data: [ByteBuffer], list: PieceList, faults: Faults) {
            chunks = data
            size = Int64(data.map(\.readableBytes).reduce(0, +))
            self.list = list
            self.faults = faults
        }
    }

    /// Piece indexes asked for, in order (a request is counted when its answer starts).
    var piecesRequested: [Int] {
        state.requests.withLock { $0.map { Int($0 / Int64(state.list.pieceSize)) } }
    }

    private init(port: Int, task: Task<Void, Never>, services: ServiceGroup, state: State) {
        self.port = port
        self.task = task
        self.services = services
        self.state = state
    }

    /// Starts serving `data` described by `list`.
    static func start(data: [UInt8], list: PieceList, faults: Faults = Faults()) async throws -> TestPieceProvider {
        try await start(chunks: chunked(data), list: list, faults: faults)
    }

    /// `data` in the chunks a provider serves from (to share between providers).
    static func chunked(_ data: [UInt8]) -> [ByteBuffer] {
        stride(from: 0, to: data.count, by: State.chunkSize).map {
            ByteBuffer(bytes: data[$0 ..< min($0 + State.chunkSize, data.count)])
        }
    }

    /// Starts serving `chunks` (from ``chunked(_:)``; shared, not copied) described by `list`.
    static func start(chunks: [ByteBuffer], list: PieceList, faults: Faults = Faults()) async throws -> TestPieceProvider {
        let state = State(data: chunks, list: list, faults: faults)
        let router = Router()
        router.get("/pieces/:hash") { _, context -> Response in
            guard context.parameters.get("hash") == list.sha256 else { return Response(status: .notFound) }
            let json = try JSONEncoder().encode(faults.pieceList ?? list)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        router.get("/sha256/:hash") { request, context -> Response in
            guard context.parameters.get("hash") == list.sha256 else { return Response(status: .notFound) }
            return try await state.answer(request)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-provider")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
                              logger: logger)
        // Stopped by a graceful shutdown, not by cancelling: cancelling a NIO async server can
        // drop a just-accepted connection without closing it, which traps
        // (https://github.com/apple/swift-nio/issues/3481).
        let services = ServiceGroup(services: [app], logger: logger)
        let task = Task {
            do { try await services.run() } catch {}
            portContinuation.finish()
        }
        state.stopper.withLock { [state] in
            $0 = {
                state.stopped.store(true, ordering: .relaxed)
                await services.triggerGracefulShutdown()
            }
        }
        let port = try await withTestTimeout(.seconds(10)) { await ports.first { _ in true } }
        guard let port, port > 0 else { throw TestProviderError.didNotStart }
        return TestPieceProvider(port: port, task: task, services: services, state: state)
    }

    /// Stops the server and waits until it has (bounded).
    func stop() async {
        state.stopped.store(true, ordering: .relaxed)
        await services.triggerGracefulShutdown()
        _ = try? await withTestTimeout(.seconds(10)) { await self.task.value }
    }
}

enum TestProviderError: Error { case didNotStart, timedOut }

extension TestPieceProvider.State {
    /// The answer to a `/sha256` request.
    func answer(_ request: Request) async throws -> Response {
        var range: Range<Int64> = 0 ..< size
        var partial = false
        if !faults.ignoreRange, let header = request.headers[.range], header.hasPrefix("bytes=") {
            let bounds = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]), first <= last, last < size {
                range = first ..< last + 1
                partial = true
            } else {
                return Response(status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"])
            }
        }
        let served = requests.withLock { requests in
            requests.append(range.lowerBound)
            return requests.count
        }
        var parts: [ByteBuffer] = []
        var offset = range.lowerBound
        while offset < range.upperBound {
            let chunk = Int(offset / Int64(Self.chunkSize)), within = Int(offset % Int64(Self.chunkSize))
            let count = min(chunks[chunk].readableBytes - within, Int(range.upperBound - offset))
            parts.append(chunks[chunk].getSlice(at: within, length: count)!)
            offset += Int64(count)
        }
        let piece = Int(range.lowerBound / Int64(list.pieceSize))
        if faults.corruptAll || faults.corruptPieces.contains(piece), !parts.isEmpty {
            var copy = ByteBuffer()
            for part in parts { copy.writeImmutableBuffer(part) }
            let index = copy.readableBytes / 2
            copy.setInteger(copy.getInteger(at: index, as: UInt8.self)! ^ 0x5A, at: index)
            parts = [copy]
        }
        var headers: HTTPFields = [.contentType: "application/octet-stream", .acceptRanges: "bytes"]
        if partial { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)" }
        let status: HTTPResponse.Status = partial ? .partialContent : .ok
        let length = Int(range.count)
        let dying = faults.dieAfterPieces.map { served > $0 } ?? false
        if dying {
            let stop = stopper.withLock { $0 }
            await stop?()
        }
        let (delay, stall) = (faults.delay, faults.stall)
        let extra = faults.extraBytes
        let responseBody = ResponseBody(contentLength: extra > 0 ? nil : length) { [parts, self] writer in
            if let delay { try await Task.sleep(for: delay) }
            if dying || stall {
                var half = ByteBuffer()
                for part in parts { half.writeImmutableBuffer(part) }
                try await writer.write(half.getSlice(at: 0, length: length / 2)!)
                // Stall until the client gives up (and closes: this task is cancelled), or the server
                // stops, or a minute passes.
                if stall { _ = await eventually(timeout: .seconds(60)) { self.stopped.load(ordering: .relaxed) } }
                throw TestProviderError.timedOut  // closes the connection mid-body
            }
            try await writer.write(contentsOf: parts)
            if extra > 0 { try await writer.write(ByteBuffer(repeating: 0x42, count: extra)) }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: responseBody)
    }
}

/// Runs `body`, throwing if it takes longer than `limit`.
func withTestTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TestProviderError.timedOut }
        return value
    }
}
