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
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
            throw .bindFailed("cannot listen on UDP \(host):\(port): \(host) is not an address of this machine; "
                + "use 0.0.0.0 (every IPv4 interface), :: (IPv6), 127.0.0.1, or an interface's address")
        } catch let error as IOError {
            throw .bindFailed("cannot listen on UDP \(host):\(port): \(String(cString: strerror(error.errnoCode)))")
        } catch is SocketAddressError {
            throw .bindFailed("cannot listen on UDP \(host):\(port): \(host) is not an IP address; "
                + "use 0.0.0.0 (every IPv4 interface), :: (IPv6), or an address such as 127.0.0.1")
        } catch {
            throw .bindFailed("cannot listen on UDP \(host):\(port)")
        }
    }
}
