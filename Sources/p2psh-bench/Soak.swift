import Foundation
import NIOPosix
import PeerKit
import Synchronization

/// `make soak`: a release `p2psh` under honest and hostile traffic at once, for a minute.
///
/// Honest: four PeerKit nodes store and get values through the network, and store on and get
/// from the node under soak directly; an HTTP client fetches a shared file
/// every half second. Hostile: two find_node floods, eight store floods of 900-byte values
/// (each its own source, with a valid token), a flood of garbage datagrams, and 1,000
/// half-open HTTP connections from 20 addresses, reopened as the server closes them. Every
/// five seconds a row: the node's RSS and its counters. It passes when every honest operation
/// succeeded and the RSS of the second half stays within 10% of its first sample.
enum Soak {
    static func run(seconds: Double) async -> Bool {
        let directory = NSTemporaryDirectory() + "p2psh-soak-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target: SoakTarget
        do {
            target = try SoakTarget.start(directory: directory, storageLimitMiB: 64)
        } catch {
            Output.line("soak: \(error)")
            return false
        }
        defer { target.stop() }
        let idleRSS = target.rssMegabytes ?? 0
        let targetAddress = NodeAddress(host: .ipv4(0x7F00_0001), port: target.udpPort)
        guard case .success(let honest) = await NetworkBenchmark.startNodes(4, limit: 4) else {
            Output.line("soak: the honest nodes did not start")
            return false
        }
        for node in honest { _ = try? await node.join(targetAddress) }

        let hostile = HostileTraffic(udpPort: target.udpPort, httpPort: target.httpPort, seconds: seconds)
        hostile.start(queryFlooders: 2, storeFlooders: 8, idleConnections: 1000)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let dht = Task { await honestDHT(honest, target: targetAddress, until: deadline) }
        let http = HonestHTTP(port: target.httpPort, seconds: seconds)

        Output.line("p2psh-soak: \(Int(seconds)) s of honest and hostile traffic against one p2psh process "
                    + "(--storage-limit 64; RSS idle \(String(format: "%.1f", idleRSS)) MiB)")
        Output.line("")
        let header = ["s", "RSS MiB", "values", "storage MiB", "refused", "evicted", "queries dropped", "http open",
                      "http timed out", "http displaced"]
        var rows: [[String]] = []
        var rssSamples: [(Double, Double)] = []
        let start = ContinuousClock.now
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .seconds(5))
            let stats = target.stats()
            let rss = target.rssMegabytes ?? 0
            let elapsed = (ContinuousClock.now - start).inSeconds
            rssSamples.append((elapsed, rss))
            let storage = (Double(stats["storage_used"] ?? "") ?? 0) / 1_048_576
            rows.append([String(format: "%.0f", elapsed), String(format: "%.1f", rss), stats["values_held"] ?? "?",
                         String(format: "%.1f", storage), stats["stores_refused"] ?? "?", stats["values_evicted"] ?? "?",
                         stats["queries_dropped"] ?? "?", stats["http_connections"] ?? "?",
                         stats["http_connections_timed_out"] ?? "?", stats["http_connections_displaced"] ?? "?"])
            Output.progress(rows.last!.joined(separator: " | "))
        }
        let (dhtOK, dhtTotal, dhtFailures) = await dht.value
        await hostile.finish()
        let (httpOK, httpTotal) = await http.finish()
        for line in render([header] + rows) { Output.line(line) }

        let secondHalf = rssSamples.filter { $0.0 >= seconds / 2 }.map(\.1)
        let growth = (secondHalf.last ?? 0) / max(secondHalf.first ?? 1, 1) - 1
        let stats = target.stats()
        let payload = (Double(stats["values_held"] ?? "") ?? 0) * 900 / 1_048_576
        Output.line("")
        Output.line("honest DHT rounds (store and get through the network, store on and get from the node under soak): "
                    + "\(dhtOK) of \(dhtTotal) succeeded"
                    + (dhtFailures.isEmpty ? "" : "; failed: " + dhtFailures.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        Output.line("honest HTTP fetches of a 64 KiB file: \(httpOK) of \(httpTotal) succeeded")
        Output.line("hostile: \(hostile.queriesSent.load(ordering: .relaxed)) find_node, "
                    + "\(hostile.storesSent.load(ordering: .relaxed)) store_value, "
                    + "\(hostile.garbageSent.load(ordering: .relaxed)) garbage datagrams, "
                    + "\(hostile.idleConnectionsOpened.load(ordering: .relaxed)) half-open HTTP connections")
        Output.line(String(format: "RSS over the second half: %+.1f%%; at the end %.1f MiB for %.1f MiB of flood values "
                           + "(%.2f× the payload over the idle RSS)", growth * 100, rssSamples.last?.1 ?? 0, payload,
                           ((rssSamples.last?.1 ?? 0) - idleRSS) / max(payload, 1)))
        let passed = dhtOK == dhtTotal && dhtTotal > 0 && httpOK == httpTotal && httpTotal > 0 && growth < 0.10
        Output.line(passed ? "soak passed" : "soak FAILED")
        await NetworkBenchmark.close(honest, limit: 4)
        return passed
    }

    /// Right-aligned columns.
    private static func render(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { String(repeating: " ", count: widths[$0] - row[$0].count) + row[$0] }.joined(separator: "  ")
        }
    }

    /// Store a value from one honest node and get it from another, through the network; then
    /// store another value on the node under soak directly (with a write token from it) and get
    /// it back from it. A round succeeds when all four do. The direct half does not depend on
    /// lookups picking the node under soak: under a flood it answers slower than the honest
    /// nodes, and a lookup may store on those instead, as it should.
    private static func honestDHT(_ nodes: [Node], target: NodeAddress, until deadline: ContinuousClock.Instant)
        async -> (succeeded: Int, total: Int, failures: [String: Int]) {
        var succeeded = 0, total = 0
        var failures: [String: Int] = [:]
        func fail(_ what: String) { failures[what, default: 0] += 1 }
        while ContinuousClock.now < deadline {
            total += 1
            let key = NodeID.sha1(of: Array("honest \(total)".utf8))
            let value = Array("honest value \(total) ".utf8) + [UInt8](repeating: 0x68, count: 200)
            let writer = nodes[total % nodes.count], reader = nodes[(total + 1) % nodes.count]
            let stored = ((try? await writer.store(value, at: key))?.storedOn.count ?? 0) > 0
            let got = (try? await reader.get(key))?.values.contains(value) ?? false
            let direct = Array("stored directly ".utf8) + value
            let storedDirectly = await storeDirectly(direct, at: key, on: target, from: writer)
            var served = false
            if case .response(_, let arguments) = await reader.query("get_value", ["key": .bytes(key.bytes)], to: target) {
                served = (try? arguments.byteStrings("values"))?.contains(direct) ?? false
            }
            if !stored { fail("stores") }
            if !got { fail("gets") }
            if !storedDirectly { fail("direct stores") }
            if !served { fail("direct gets") }
            if stored, got, storedDirectly, served { succeeded += 1 }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return (succeeded, total, failures)
    }

    /// `store_value` on `target` itself, with the token it hands out in a `get_peers` answer.
    private static func storeDirectly(_ value: [UInt8], at key: NodeID, on target: NodeAddress, from node: Node) async -> Bool {
        guard case .response(_, let answer) = await node.query("get_peers", ["info_hash": .bytes(key.bytes)], to: target),
              let token = try? answer.bytes("token") else { return false }
        let arguments: BencodeDictionary = ["key": .bytes(key.bytes), "value": .bytes(value), "token": .bytes(token)]
        if case .response = await node.query("store_value", arguments, to: target) { return true }
        return false
    }
}

/// An HTTP client that fetches a shared file every half second, on a thread of its own.
final class HonestHTTP: Sendable {
    private let succeeded = Atomic<Int>(0)
    private let total = Atomic<Int>(0)
    private let done = Atomic<Bool>(false)

    init(port: UInt16, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        Thread.detachNewThread {
            while Date() < deadline {
                let response = TCPClient.get(port: port, path: "/files/page.bin")
                self.total.add(1, ordering: .relaxed)
                if response.starts(with: Array("HTTP/1.1 200".utf8)), response.count > 64 << 10 {
                    self.succeeded.add(1, ordering: .relaxed)
                }
                usleep(500_000)
            }
            self.done.store(true, ordering: .relaxed)
        }
    }

    func finish() async -> (succeeded: Int, total: Int) {
        while !done.load(ordering: .relaxed) { try? await Task.sleep(for: .milliseconds(50)) }
        return (succeeded.load(ordering: .relaxed), total.load(ordering: .relaxed))
    }
}
