import NIOCore

/// Hands each datagram to the node, on the event loop the node's actor runs on.
///
/// Because the node's executor is this channel's event loop, `assumeIsolated`
/// enters the actor synchronously: no task, no hop, no copy per packet.
final class DatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let node: Node

    init(node: Node) { self.node = node }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        node.assumeIsolated { $0.receive(envelope.data, from: envelope.remoteAddress) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        node.assumeIsolated { $0.flushWrites() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A UDP socket reports ICMP errors (port unreachable) here; the query's timeout handles them.
    }
}
