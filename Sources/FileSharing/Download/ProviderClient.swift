import PeerKit
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Asks one provider, over HTTP, for a file's piece list and for pieces of the file.
///
/// Everything a provider sends is checked before it is used: the status, the
/// `Content-Range` of a piece, and the length of every body, which is streamed into a
/// buffer of exactly the size asked for, so a provider that sends more is an error and
/// never grows memory.
struct ProviderClient: Sendable {
    /// The provider's base URL, without a trailing slash ("http://127.0.0.1:7001").
    let base: String
    /// The provider as shown to people ("127.0.0.1:7001").
    let name: String
    let client: HTTPClient
    /// Each request made is logged here at debug level (`-v`).
    let logger: Logger

    init(base: String, client: HTTPClient, logger: Logger) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        var name = Substring(base)
        for scheme in ["http://", "https://"] where name.hasPrefix(scheme) { name = name.dropFirst(scheme.count) }
        self.name = String(name)
        self.client = client
        self.logger = logger
    }

    /// The piece list of the file with SHA-256 `sha256`, validated (`GET /pieces/<hex>`).
    func pieceList(sha256: [UInt8], byteLimit: Int, responseTimeout: Duration, timeout: Duration) async throws(ProviderFailure) -> ValidatedPieceList {
        let path = "/pieces/" + sha256.hexString
        let body = try await logged(path) { [self] () async throws(ProviderFailure) -> ByteBuffer in
            try await Self.within(timeout) { [self] () async throws(ProviderFailure) -> ByteBuffer in
            let response = try await send(HTTPClientRequest(url: base + path), timeout: responseTimeout)
            guard response.status.code == 200 else { throw Self.failure(code: response.status.code, reason: response.status.reasonPhrase) }
            do {
                return try await response.body.collect(upTo: byteLimit)
            } catch is NIOTooManyBytesError {
                throw .badPieceList("it is longer than \(byteLimit) bytes")
            } catch {
                throw ProviderFailure(error)
            }
            }
        }
        let list: PieceList
        do {
            list = try JSONDecoder.results.decode(PieceList.self, from: Data(body.readableBytesView))
        } catch {
            throw .badPieceList("it is not valid JSON")
        }
        do {
            return try list.validated(expecting: sha256)
        } catch {
            if case .badPieceList(let reason) = error { throw .badPieceList(reason) }
            throw .badPieceList(error.description)
        }
    }

    /// The bytes `range` of the file with SHA-256 `sha256Hex` and size `fileSize`
    /// (`GET /sha256/<hex>` with `Range: bytes=a-b`): exactly `range.count` bytes, with their
    /// SHA-256.
    /// The response head must come within `responseTimeout`, the whole body within `timeout`.
    func piece(sha256Hex: String, range: Range<Int64>, fileSize: Int64, responseTimeout: Duration, timeout: Duration) async throws(ProviderFailure) -> PieceReceiver.Piece {
        var request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: base + "/sha256/" + sha256Hex)
        } catch {
            throw .permanent("has an unusable URL (\(base))")
        }
        request.headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound - 1)")
        let receiver = PieceReceiver(range: range, fileSize: fileSize)
        let task = client.execute(request: request, delegate: receiver, eventLoop: .indifferent,
                                  deadline: .now() + .nanoseconds(Self.nanoseconds(timeout)))
        // The deadline covers the whole request; the head has a shorter one.
        let headTimeout = ProviderFailure.transient("did not answer within \(Self.seconds(responseTimeout)) s")
        let connectTimeout = ProviderFailure.transient("could not be connected to within \(Self.seconds(responseTimeout)) s")
        let headTimer = task.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(responseTimeout))) {
            if !receiver.receivedHead { task.fail(reason: receiver.sentRequest ? headTimeout : connectTimeout) }
        }
        defer { headTimer.cancel() }
        return try await logged("/sha256/\(sha256Hex) bytes \(range.lowerBound)-\(range.upperBound - 1)") {
            () async throws(ProviderFailure) -> PieceReceiver.Piece in
            do {
                return try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                }
            } catch let error as HTTPClientError where error == .deadlineExceeded {
                throw .transient("did not finish an answer within \(Self.seconds(timeout)) s")
            } catch {
                throw ProviderFailure(error)
            }
        }
    }

    /// Runs one request to `path`, and logs it with how long it took and how it ended.
    private func logged<T>(_ path: String, _ request: () async throws(ProviderFailure) -> T) async throws(ProviderFailure) -> T {
        let started = ContinuousClock.now
        func milliseconds() -> String { "\(Int(((ContinuousClock.now - started).inSeconds * 1000).rounded()))" }
        do {
            let result = try await request()
            logger.debug("http request made", metadata: ["to": "\(name)", "get": "\(path.printable)", "ms": "\(milliseconds())"])
            return result
        } catch {
            logger.debug("http request failed", metadata: ["to": "\(name)", "get": "\(path.printable)", "ms": "\(milliseconds())",
                                                           "error": "\(error.reason.printable)"])
            throw error
        }
    }

    // MARK: - Helpers

    private func send(_ request: HTTPClientRequest, timeout: Duration) async throws(ProviderFailure) -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
        } catch {
            throw ProviderFailure(error)
        }
    }

    /// Whether a `Content-Range` value is `bytes a-b/size` for exactly `range` of a file of `fileSize`.
    static func contentRange(_ value: String, matches range: Range<Int64>, fileSize: Int64) -> Bool {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes ") else { return false }
        let parts = text.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == "*" || Int64(parts[1]) == fileSize else { return false }
        let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]) else { return false }
        return first == range.lowerBound && last == range.upperBound - 1
    }

    /// The failure for an answer with an unexpected status.
    static func failure(code: UInt, reason: String) -> ProviderFailure {
        switch code {
        case 404, 410: .permanent("does not have the file (\(code))")
        case 416: .permanent("refused the range asked for (416)")
        case 500...599, 429, 408: .transient("answered \(code) \(reason)")
        default: .permanent("answered \(code) \(reason)")
        }
    }

    /// `duration` in seconds, as people read it ("0.3", "10").
    static func seconds(_ duration: Duration) -> String {
        (Double(nanoseconds(duration)) / 1e9).formatted()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Runs `body`, failing it with a transient failure if it takes longer than `timeout`.
    /// (The client's own deadline covers only the response head, not the body.)
    static func within<T: Sendable>(_ timeout: Duration,
                                    _ body: @escaping @Sendable () async throws(ProviderFailure) -> T) async throws(ProviderFailure) -> T {
        let result: Result<T, ProviderFailure>? = await withTaskGroup(of: Result<T, ProviderFailure>?.self) { group in
            group.addTask {
                do throws(ProviderFailure) { return .success(try await body()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? .failure(.cancelled) : nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let result else {
            throw .transient("did not finish an answer within \(seconds(timeout)) s")
        }
        return try result.get()
    }
}
