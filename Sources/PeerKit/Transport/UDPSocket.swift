import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Binds the node's UDP socket.
enum UDPSocket {
    static func bind(host: String, port: Int, on eventLoop: any EventLoop,
                     handler: DatagramHandler) async throws(NodeError) -> any Channel {
        do {
            return try await DatagramBootstrap(group: eventLoop)
                // recvmmsg: up to 32 datagrams of up to 2 KiB each per system call.
                .channelOption(.datagramVectorReadMessageCount, value: 32)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 32 * 2048))
                .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .bind(host: host, port: port)
                .get()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw .portInUse(port)
        } catch {
            throw .bindFailed("cannot listen on UDP \(host):\(port): \(error)")
        }
    }
}
