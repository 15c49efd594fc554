import PeerKit
import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Why a request to a provider did not deliver what was asked, phrased to follow the
/// provider's address in a message ("127.0.0.1:7002 connection refused").
enum ProviderFailure: Error, Sendable, Equatable {
    /// May work on another try: the connection was refused, reset or timed out, or the
    /// provider answered 5xx or sent too few bytes.
    case transient(String)
    /// Cannot work: the provider does not have the file (404), answers another range, sends
    /// more than asked, or its piece list is unusable.
    case permanent(String)
    /// The provider's piece list is unusable (it is not JSON, or contradicts itself or the
    /// file asked for). Cannot work either.
    case badPieceList(String)
    /// The download was cancelled.
    case cancelled

    var reason: String {
        switch self {
        case .transient(let reason), .permanent(let reason): reason
        case .badPieceList(let reason): "sent an unusable piece list: \(reason)"
        case .cancelled: "cancelled"
        }
    }

    var isPermanent: Bool {
        switch self {
        case .permanent, .badPieceList: true
        case .transient, .cancelled: false
        }
    }

    /// A failure for an error thrown by the HTTP client or the network.
    init(_ error: any Error) {
        if let failure = error as? ProviderFailure {
            self = failure
            return
        }
        if error is CancellationError || Task.isCancelled {
            self = .cancelled
            return
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: self = .cancelled
            case .remoteConnectionClosed: self = .transient("closed the connection")
            case .readTimeout: self = .transient("stopped sending (read timeout)")
            case .connectTimeout: self = .transient("did not accept a connection in time")
            case .deadlineExceeded: self = .transient("did not answer in time")
            case .getConnectionFromPoolTimeout: self = .transient("could not be connected to in time")
            default: self = .transient("failed: \(error)")
            }
            return
        }
        if let error = error as? NIOConnectionError {
            self = Self(error.connectionErrors.first?.error ?? ChannelError.connectTimeout(.seconds(0)))
            return
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: self = .transient("connection refused")
            case ECONNRESET: self = .transient("connection reset")
            case EHOSTUNREACH, ENETUNREACH: self = .transient("unreachable")
            case ETIMEDOUT: self = .transient("connection timed out")
            default: self = .transient("failed: \(error)")
            }
            return
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: self = .transient("did not accept a connection in time")
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                self = .transient("closed the connection")
            default: self = .transient("failed: \(error)")
            }
            return
        }
        self = .transient("failed: \(error)")
    }
}
