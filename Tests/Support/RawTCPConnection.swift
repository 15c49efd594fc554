import Foundation

/// A plain TCP connection to 127.0.0.1 from a chosen loopback address, for tests of what a
/// server does with clients that misbehave: connect and say nothing, send half a request head.
/// The socket never blocks: waits poll and sleep, so they never hold a thread of the
/// cooperative pool that the server under test needs.
public final class RawTCPConnection: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Connects to 127.0.0.1:`port` from `source` (any 127.x.y.z address: each is a client of its own).
    public static func open(toPort port: UInt16, from source: String = "127.0.0.1") async throws -> RawTCPConnection {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcess.Timeout(description: "socket: \(String(cString: strerror(errno)))") }
        func fail(_ step: String) -> ChildProcess.Timeout {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            return ChildProcess.Timeout(description: "\(step): \(reason)")
        }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = port.bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafePointer(to: &local, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }) == 0
        else { throw fail("bind \(source)") }
        let started = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
        }
        guard started == 0 || errno == EINPROGRESS else { throw fail("connect") }
        let connection = RawTCPConnection(descriptor: descriptor)
        guard await connection.wait(for: Int16(POLLOUT), timeout: .seconds(10)) else {
            throw ChildProcess.Timeout(description: "connect to port \(port) from \(source) timed out")
        }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
        guard error == 0 else { throw ChildProcess.Timeout(description: "connect: \(String(cString: strerror(error)))") }
        return connection
    }

    /// Waits (polling, never blocking) until the socket is ready for `events`; false at the timeout.
    private func wait(for events: Int16, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var descriptorSet = pollfd(fd: descriptor, events: events, revents: 0)
            if poll(&descriptorSet, 1, 0) > 0 { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    /// Sends all of `text`.
    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// Whether the server has closed the connection (end of stream or reset), without waiting.
    public var isClosedByServer: Bool {
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Everything the server sends until it closes the connection or `timeout` passes.
    public func readAll(timeout: Duration = .seconds(10)) async -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, await wait(for: Int16(POLLIN), timeout: deadline - ContinuousClock.now) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    deinit { Glibc.close(descriptor) }
}

/// Raises this process's limit on open files to the hard limit; returns the limit now in force.
public func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(min(limit.rlim_cur, UInt(Int.max)))
}
