import Foundation
import Synchronization

/// A UDP socket on 127.0.0.1 that never answers: a DHT node that does not respond, whose
/// arrivals a test can wait for ("the join has sent its ping"), unlike a closed port.
public final class SilentUDPPeer: Sendable {
    private let descriptor: Int32
    public let port: UInt16
    private let received = Mutex<[[UInt8]]>([])

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

    /// The datagrams that arrived so far, oldest first.
    public var datagrams: [[UInt8]] {
        received.withLock { received in
            var buffer = [UInt8](repeating: 0, count: 2048)
            while true {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count >= 0 else { break }
                received.append(Array(buffer[..<count]))
            }
            return received
        }
    }

    /// How many datagrams arrived so far (read by ``waitForDatagram(timeout:)``).
    public var datagramsReceived: Int { datagrams.count }

    /// How many of the datagrams that arrived are KRPC answers (`y` is `r`), not queries.
    public var answersReceived: Int { datagrams.filter(Self.isAnswer).count }

    private static func isAnswer(_ datagram: [UInt8]) -> Bool {
        let needle = Array("1:y1:r".utf8)
        guard datagram.count >= needle.count else { return false }
        return (0...(datagram.count - needle.count)).contains { datagram[$0 ..< $0 + needle.count].elementsEqual(needle) }
    }

    /// Waits (bounded) until a datagram has arrived; returns whether one did.
    public func waitForDatagram(timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout) { datagramsReceived > 0 }
    }

    /// Sends a datagram to 127.0.0.1:`port` (a query of its own: it never answers others').
    /// Returns false if the socket could not take it right now.
    @discardableResult
    public func send(_ bytes: [UInt8], toPort port: UInt16) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                sendto(descriptor, bytes, bytes.count, 0, pointer, socklen_t(MemoryLayout<sockaddr_in>.size)) == bytes.count
            }
        }
    }

    deinit { Glibc.close(descriptor) }
}
