import AsyncHTTPClient
import Foundation
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

    init(base: String, client: HTTPClient) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        var name = Substring(base)
        for scheme in ["http://", "https://"] where name.hasPrefix(scheme) { name = name.dropFirst(scheme.count) }
        self.name = String(name)
        self.client = client
    }

    /// The piece list of the file with SHA-256 `sha256`, validated (`GET /pieces/<hex>`).
    func pieceList(sha256: [UInt8], byteLimit: Int, responseTimeout: Duration, timeout: Duration) async throws(ProviderFailure) -> ValidatedPieceList {
        let body = try await Self.within(timeout) { [self] () async throws(ProviderFailure) -> ByteBuffer in
            let response = try await send(HTTPClientRequest(url: base + "/pieces/" + sha256.hexString), timeout: responseTimeout)
            guard response.status.code == 200 else { throw Self.failure(code: response.status.code, reason: response.status.reasonPhrase) }
            do {
                return try await response.body.collect(upTo: byteLimit)
            } catch is NIOTooManyBytesError {
                throw .badPieceList("it is longer than \(byteLimit) bytes")
            } catch {
                throw ProviderFailure(error)
            }
        }
        let list: PieceList
        do {
            list = try JSONDecoder().decode(PieceList.self, from: Data(body.readableBytesView))
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
    /// (`GET /sha256/<hex>` with `Range: bytes=a-b`): exactly `range.count` bytes. The
    /// response head must come within `responseTimeout`, the whole body within `timeout`.
    func piece(sha256Hex: String, range: Range<Int64>, fileSize: Int64, responseTimeout: Duration,
               timeout: Duration) async throws(ProviderFailure) -> ByteBuffer {
        try await Self.within(timeout) { [self] () async throws(ProviderFailure) -> ByteBuffer in
            var request = HTTPClientRequest(url: base + "/sha256/" + sha256Hex)
            request.headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound - 1)")
            let response = try await send(request, timeout: responseTimeout)
            let expected = Int(range.count)
            switch response.status.code {
            case 206:
                guard let contentRange = response.headers.first(name: "Content-Range") else {
                    throw .permanent("answered a range request without Content-Range")
                }
                guard Self.contentRange(contentRange, matches: range, fileSize: fileSize) else {
                    throw .permanent("sent bytes \(contentRange.dropFirst(6)) when asked for \(range.lowerBound)-\(range.upperBound - 1)/\(fileSize)")
                }
            case 200 where range.lowerBound == 0 && range.upperBound == fileSize:
                break
            case 200:
                throw .permanent("ignores Range requests (answered 200 with the whole file)")
            default:
                throw Self.failure(code: response.status.code, reason: response.status.reasonPhrase)
            }
            if let length = response.headers.first(name: "Content-Length"), Int(length) != expected {
                throw .permanent("sends \(length) bytes when asked for \(expected)")
            }
            var buffer = ByteBufferAllocator().buffer(capacity: expected)
            do {
                for try await chunk in response.body {
                    guard chunk.readableBytes <= expected - buffer.readableBytes else {
                        throw ProviderFailure.permanent("sent more than the \(expected) bytes asked for")
                    }
                    buffer.writeImmutableBuffer(chunk)
                }
            } catch {
                throw ProviderFailure(error)
            }
            guard buffer.readableBytes == expected else {
                throw .transient("sent \(buffer.readableBytes) of the \(expected) bytes asked for")
            }
            return buffer
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
            let seconds = Double(nanoseconds(timeout)) / 1e9
            throw .transient("did not finish an answer within \(seconds.formatted()) s")
        }
        return try result.get()
    }
}
