import PeerKit
import AsyncHTTPClient
import Crypto
import NIOCore
import NIOHTTP1
import Synchronization

/// Receives one piece from a provider: checks the response head, copies the body into a
/// buffer of exactly the piece's size and hashes it as it arrives.
///
/// AsyncHTTPClient calls a delegate on the connection's event loop for each part of the
/// body as it is read from the socket, so the bytes are copied and hashed while they are
/// still in the CPU's cache, with no hop to another thread per part. A response whose head
/// is wrong, or whose body is longer than asked, fails the request at once (the client
/// closes the connection): it never grows the buffer.
///
/// The callbacks come one at a time (AsyncHTTPClient makes them exclusive), so the mutex
/// is never contended; it is there because the delegate must be `Sendable`.
final class PieceReceiver: HTTPClientResponseDelegate {
    /// A received piece: its bytes and their SHA-256.
    struct Piece: Sendable {
        var buffer: ByteBuffer
        var digest: SHA256.Digest
    }

    private struct State {
        var buffer: ByteBuffer
        var hasher = SHA256()
        var sentRequest = false
        var receivedHead = false
    }

    private let range: Range<Int64>
    private let fileSize: Int64
    private let state: Mutex<State>

    /// Receives the bytes `range` of a file of `fileSize` bytes.
    init(range: Range<Int64>, fileSize: Int64) {
        self.range = range
        self.fileSize = fileSize
        state = Mutex(State(buffer: ByteBufferAllocator().buffer(capacity: Int(range.count))))
    }

    /// Whether the request was sent (so a connection was made).
    var sentRequest: Bool { state.withLock { $0.sentRequest } }
    /// Whether the response head arrived.
    var receivedHead: Bool { state.withLock { $0.receivedHead } }

    func didSendRequestHead(task: HTTPClient.Task<Piece>, _ head: HTTPRequestHead) {
        state.withLock { $0.sentRequest = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Piece>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.receivedHead = true }
        if let failure = check(head) { return task.eventLoop.makeFailedFuture(failure) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Piece>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        let expected = Int(range.count)
        let fits = state.withLock { state in
            guard part.readableBytes <= expected - state.buffer.readableBytes else { return false }
            part.withUnsafeReadableBytes { state.hasher.update(bufferPointer: $0) }
            state.buffer.writeImmutableBuffer(part)
            return true
        }
        guard fits else {
            return task.eventLoop.makeFailedFuture(ProviderFailure.permanent("sent more than the \(expected) bytes asked for"))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Piece>) throws -> Piece {
        try state.withLock { state in
            let expected = Int(range.count)
            guard state.buffer.readableBytes == expected else {
                throw ProviderFailure.transient("sent \(state.buffer.readableBytes) of the \(expected) bytes asked for")
            }
            // Hand the buffer over without keeping a reference to it.
            let buffer = state.buffer
            state.buffer = ByteBuffer()
            return Piece(buffer: buffer, digest: state.hasher.finalize())
        }
    }

    /// Why a response head is unusable for the range asked, or nil.
    private func check(_ head: HTTPResponseHead) -> ProviderFailure? {
        let expected = Int(range.count)
        switch head.status.code {
        case 206:
            guard let contentRange = head.headers.first(name: "Content-Range") else {
                return .permanent("answered a range request without Content-Range")
            }
            guard ProviderClient.contentRange(contentRange, matches: range, fileSize: fileSize) else {
                return .permanent("sent bytes \(contentRange.dropFirst(6)) when asked for \(range.lowerBound)-\(range.upperBound - 1)/\(fileSize)")
            }
        case 200 where range.lowerBound == 0 && range.upperBound == fileSize:
            break
        case 200:
            return .permanent("ignores Range requests (answered 200 with the whole file)")
        default:
            return ProviderClient.failure(code: head.status.code, reason: head.status.reasonPhrase)
        }
        if let length = head.headers.first(name: "Content-Length"), Int(length) != expected {
            return .permanent("sends \(length) bytes when asked for \(expected)")
        }
        return nil
    }
}
