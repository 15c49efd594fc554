import Foundation
import Synchronization

/// A UDP socket on 127.0.0.1 that never answers: a DHT node that does not respond, whose
/// arrivals a test can wait for ("the join has sent its ping"), unlike a closed port.
public final class SilentUDPPeer: Sendable {
    private let descriptor: Int32
    public let port: UInt16
    private let received = Atomic<Int>(0)

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcess.Timeout(description: "socket: \(String(cString: strerror(errno)))") }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ChildProcess.Timeout(description: "bind: \(reason)")
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    public var address: String { "127.0.0.1:\(port)" }

    /// Datagrams that arrived so far (read by ``waitForDatagram(timeout:)``).
    public var datagramsReceived: Int {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while recv(descriptor, &buffer, buffer.count, 0) >= 0 { received.add(1, ordering: .relaxed) }
        return received.load(ordering: .relaxed)
    }

    /// Waits (bounded) until a datagram has arrived; returns whether one did.
    public func waitForDatagram(timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout) { datagramsReceived > 0 }
    }

    deinit { Glibc.close(descriptor) }
}
