import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
@testable import PeerKit

/// A bare UDP socket on 127.0.0.1 that sends hand-made datagrams, for hostile-input tests.
final class RawUDPClient: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let received = Mutex<[[UInt8]]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
            received.withLock { $0.append(bytes) }
        }
    }

    private let channel: any Channel
    private let collector: Collector

    init() async throws {
        let collector = Collector()
        self.collector = collector
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func send(_ bytes: [UInt8], to address: NodeAddress) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address.socketAddress,
                                                          data: ByteBuffer(bytes: bytes)))
    }

    /// Sends a message and waits for one reply, decoded; nil if none arrives in time.
    func exchange(_ message: Bencode, with address: NodeAddress, timeout: Double = 2) async throws -> BencodeDictionary? {
        try await send(message.encoded(), to: address)
        return try await nextReply(timeout: timeout)
    }

    /// The next response or error. Queries are skipped: the node pings unknown queriers to verify them.
    func nextReply(timeout: Double = 2) async throws -> BencodeDictionary? {
        var reply: BencodeDictionary?
        _ = try await eventually(timeout: .seconds(timeout), every: .milliseconds(5)) {
            while let next: [UInt8] = collector.received.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                let message = try BencodeDecoder().decode(next).dictionaryValue
                if message?["y"] != "q" {
                    reply = message
                    return true
                }
            }
            return false
        }
        return reply
    }

    /// Responses and errors received and not yet read.
    var pendingReplies: Int {
        collector.received.withLock { datagrams in
            datagrams.filter { (try? BencodeDecoder().decode($0).dictionaryValue?["y"]) != "q" }.count
        }
    }

    func close() async { try? await channel.close() }
}
