import Foundation
import PeerKit
import Synchronization

/// The soak's hostile clients, each on a thread of its own until a deadline, counting what
/// they sent and got: floods of queries, stores and garbage over UDP, and idle half-open
/// HTTP connections.
final class HostileTraffic: Sendable {
    let udpPort: UInt16
    let httpPort: UInt16
    let deadline: Date
    let queriesSent = Atomic<Int>(0)
    let storesSent = Atomic<Int>(0)
    let garbageSent = Atomic<Int>(0)
    let idleConnectionsOpened = Atomic<Int>(0)
    private let running = Atomic<Int>(0)

    init(udpPort: UInt16, httpPort: UInt16, seconds: Double) {
        self.udpPort = udpPort
        self.httpPort = httpPort
        deadline = Date().addingTimeInterval(seconds)
    }

    /// Starts `queryFlooders` find_node floods, `storeFlooders` store floods (each with its own
    /// write token), one garbage flood, and `idleConnections` half-open HTTP connections.
    func start(queryFlooders: Int, storeFlooders: Int, idleConnections: Int) {
        for n in 0..<queryFlooders { spawn { self.floodQueries(n) } }
        for n in 0..<storeFlooders { spawn { self.floodStores(n) } }
        spawn { self.floodGarbage() }
        spawn { self.holdIdleConnections(idleConnections) }
    }

    /// Waits until every thread has seen the deadline.
    func finish() async {
        while running.load(ordering: .relaxed) > 0 { try? await Task.sleep(for: .milliseconds(50)) }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        running.add(1, ordering: .relaxed)
        Thread.detachNewThread {
            body()
            self.running.subtract(1, ordering: .relaxed)
        }
    }

    private static func query(_ method: String, id: NodeID, transaction: Int, _ arguments: [String: Bencode]) -> [UInt8] {
        var a = BencodeDictionary()
        a["id"] = .bytes(id.bytes)
        for (name, value) in arguments { a[name] = value }
        let message: Bencode = ["t": .bytes([UInt8(transaction >> 8 & 0xFF), UInt8(transaction & 0xFF)]), "y": "q",
                                "q": .bytes(Array(method.utf8)), "a": .dictionary(a)]
        return message.encoded()
    }

    /// find_node at about 3,000 a second, three times the per-source limit.
    private func floodQueries(_ n: Int) {
        guard let socket = UDPClientSocket() else { return }
        let id = NodeID.sha1(of: Array("query flooder \(n)".utf8))
        var transaction = 0
        while Date() < deadline {
            for _ in 0..<30 {
                transaction += 1
                let target = NodeID.sha1(of: withUnsafeBytes(of: transaction) { Array($0) })
                if socket.send(Self.query("find_node", id: id, transaction: transaction, ["target": .bytes(target.bytes)]),
                               toPort: udpPort) { queriesSent.add(1, ordering: .relaxed) }
            }
            socket.drain()
            usleep(10_000)
        }
    }

    /// store_value of 900-byte values under random keys, with a valid token, at about 1,250 a second.
    private func floodStores(_ n: Int) {
        guard let socket = UDPClientSocket() else { return }
        let id = NodeID.sha1(of: Array("store flooder \(n)".utf8))
        guard let token = writeToken(socket, id: id) else { return }
        var transaction = 0
        let value = Bencode.bytes([UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 900))
        while Date() < deadline {
            for _ in 0..<25 {
                transaction += 1
                let key = NodeID.sha1(of: Array("flood \(n) \(transaction)".utf8))
                let datagram = Self.query("store_value", id: id, transaction: transaction,
                                          ["key": .bytes(key.bytes), "value": value, "token": .bytes(token)])
                if socket.send(datagram, toPort: udpPort) { storesSent.add(1, ordering: .relaxed) }
            }
            socket.drain()
            usleep(20_000)
        }
    }

    private func writeToken(_ socket: UDPClientSocket, id: NodeID) -> [UInt8]? {
        for attempt in 0..<50 where Date() < deadline {
            _ = socket.send(Self.query("find_value", id: id, transaction: attempt, ["key": .bytes(id.bytes)]), toPort: udpPort)
            usleep(20_000)
            for datagram in socket.drain() {
                if let token = (try? BencodeDecoder().decode(datagram))?.dictionaryValue?["r"]?.dictionaryValue?["token"]?
                    .bytesValue { return token }
            }
        }
        return nil
    }

    /// Random bytes, and bencode that is not KRPC.
    private func floodGarbage() {
        guard let socket = UDPClientSocket() else { return }
        var generator = SystemRandomNumberGenerator()
        while Date() < deadline {
            for n in 0..<100 {
                let datagram = n.isMultiple(of: 2)
                    ? (0..<Int.random(in: 1...1400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    : Array("d1:t2:aa1:y1:q1:q4:ping1:ai42ee".utf8)
                if socket.send(datagram, toPort: udpPort) { garbageSent.add(1, ordering: .relaxed) }
            }
            socket.drain()
            usleep(10_000)
        }
    }

    /// Keeps `count` connections open that send half a request head, from 127.0.0.2 and up
    /// (50 each), opening new ones as the server closes them.
    private func holdIdleConnections(_ count: Int) {
        var open: [Int32: Int] = [:]  // descriptor → client index
        var perClient: [Int: Int] = [:]
        while Date() < deadline {
            for (descriptor, client) in open where TCPClient.isClosed(descriptor) {
                close(descriptor)
                open[descriptor] = nil
                perClient[client]! -= 1
            }
            var client = 0
            while open.count < count, Date() < deadline {
                while perClient[client, default: 0] >= 50 { client += 1 }
                guard let descriptor = TCPClient.connect(port: httpPort, from: "127.0.0.\(2 + client)") else { break }
                TCPClient.send(descriptor, "GET /files/page.bin HTTP/1.1\r\nHost: soak\r\nX-Slow: ")
                open[descriptor] = client
                perClient[client, default: 0] += 1
                idleConnectionsOpened.add(1, ordering: .relaxed)
            }
            usleep(200_000)
        }
        for descriptor in open.keys { close(descriptor) }
    }
}
