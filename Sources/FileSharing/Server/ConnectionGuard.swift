import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Holds one HTTP connection to the server's ``HTTPLimits``: admits it or refuses it with 503,
/// and closes it when a request head does not arrive in time.
///
/// It sits right after the HTTP decoder, so it sees whole request heads: a head that never
/// completes (a slowloris, a half-open connection) is closed at the deadline whatever bytes
/// dribble in. While a request is being answered there is no deadline: a long download is work,
/// not idleness. Event-loop bound, like every channel handler.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    /// The connection's id in the limits, once admitted.
    private var id: UInt64?
    /// Whether the connection was admitted; nil until decided.
    private var admitted: Bool?
    private var requestsInProgress = 0
    private var deadline: Scheduled<Void>?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        if admitted == true { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if let id { limits.closed(id) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted == true else { return }
        if case .head = unwrapInboundIn(data) {
            requestsInProgress += 1
            deadline?.cancel()
            deadline = nil
            if let id { limits.busy(id) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            requestsInProgress -= 1
            if requestsInProgress == 0, let id {
                limits.waiting(id)
                startDeadline(context, after: limits.limits.idleTimeout)
            }
        }
        context.write(data, promise: promise)
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard admitted == nil else { return }
        if let remote = context.channel.remoteAddress, limits.isBanned(remote) {
            // As over UDP: a banned source gets no answer at all.
            admitted = false
            context.close(promise: nil)
            return
        }
        guard let id = limits.admit(context.channel) else {
            admitted = false
            refuse(context)
            return
        }
        self.id = id
        admitted = true
        startDeadline(context, after: limits.limits.headTimeout)
    }

    /// Answers 503 and closes: every connection is busy with a request.
    private func refuse(_ context: ChannelHandlerContext) {
        let body = context.channel.allocator.buffer(string: "too many connections; try again in a few seconds\n")
        var head = HTTPResponse(status: .serviceUnavailable)
        head.headerFields[.connection] = "close"
        head.headerFields[.retryAfter] = "5"
        head.headerFields[.contentType] = "text/plain; charset=utf-8"
        head.headerFields[.contentLength] = "\(body.readableBytes)"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func startDeadline(_ context: ChannelHandlerContext, after timeout: Duration) {
        deadline?.cancel()
        let limits = limits
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            limits.countTimeout()
            context.close(promise: nil)
        }
    }
}
