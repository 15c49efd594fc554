import Foundation
import PeerKit

/// BEP 44 put and get latency in one network of p2psh and libtorrent nodes on 127.0.0.1:
/// p2psh's `putImmutable`/`getItem` against libtorrent's own `dht_put_immutable_item` and
/// `dht_get_immutable_item`, same network, same run. Each side reads the items the other put.
enum ItemBenchmark {
    struct Result {
        var p2pshNodes = 0
        var libtorrentNodes = 0
        var version = "?"
        var p2pshPut: [Double] = []
        var p2pshGet: [Double] = []
        var libtorrentPut: [Double] = []
        var libtorrentGet: [Double] = []
        /// Items of the other side read back intact, of those tried.
        var p2pshRead = 0, libtorrentRead = 0, tried = 0
        var error: String?
    }

    static func run(options: Options) async -> Result {
        var result = Result()
        var network = NetworkResult(size: options.itemNodes)
        guard let nodes = await NetworkBenchmark.bootstrap(size: options.itemNodes, options: options, into: &network) else {
            result.error = "p2psh nodes did not start: \(network.errors.first ?? "?")"
            return result
        }
        var ports: [Int] = []
        for node in nodes { ports.append(Int(await node.localAddress?.port ?? 0)) }
        var libtorrents: [LibtorrentNode] = []
        do {
            for index in 0..<3 {
                libtorrents.append(try LibtorrentNode.start(peerPorts: stride(from: index, to: ports.count, by: 3).map { ports[$0] }))
            }
            result.p2pshNodes = nodes.count
            result.libtorrentNodes = libtorrents.count
            result.version = libtorrents[0].version
            await measure(nodes: nodes, libtorrent: libtorrents[0], count: options.itemOperations, into: &result)
        } catch {
            result.error = "\(error)"
        }
        for node in libtorrents { node.stop() }
        await NetworkBenchmark.close(nodes, limit: options.bootstrapConcurrency)
        return result
    }

    private static func measure(nodes: [Node], libtorrent: LibtorrentNode, count: Int, into result: inout Result) async {
        for index in 0..<count {
            Output.progress("BEP 44: item \(index + 1) of \(count)")
            let ours = "p2psh item \(index) \(UInt64.random(in: 0 ... .max))"
            let theirs = "libtorrent item \(index) \(UInt64.random(in: 0 ... .max))"
            let writer = nodes[index % nodes.count], reader = nodes[(index * 7 + 3) % nodes.count]
            result.tried += 1
            let started = ContinuousClock.now
            guard let put = try? await writer.putImmutable(Array("\(ours.utf8.count):\(ours)".utf8)) else { continue }
            result.p2pshPut.append(milliseconds(ContinuousClock.now - started))
            if let answer = libtorrent.command("GET \(put.target.hex)", answer: "ITEM") {
                result.libtorrentGet.append(milliseconds(answer.took))
                if answer.line.hasSuffix(" " + ours) { result.libtorrentRead += 1 }
            }
            guard let theirPut = libtorrent.command("PUT \(theirs)", answer: "PUT"),
                  let target = NodeID(hex: String(theirPut.line.split(separator: " ")[1])) else { continue }
            result.libtorrentPut.append(milliseconds(theirPut.took))
            let reading = ContinuousClock.now
            let got = try? await reader.getItem(target)
            result.p2pshGet.append(milliseconds(ContinuousClock.now - reading))
            if got?.item?.value == Array("\(theirs.utf8.count):\(theirs)".utf8) { result.p2pshRead += 1 }
        }
    }

    static func milliseconds(_ duration: Duration) -> Double { duration.inSeconds * 1000 }

    /// The report: medians and p95s side by side, and p2psh's time as a multiple of libtorrent's.
    static func lines(_ result: Result) -> [String] {
        if let error = result.error { return ["BEP 44 items: not measured: \(error)"] }
        func cell(_ values: [Double]) -> String {
            let sorted = values.sorted()
            guard let p50 = Table.percentile(sorted, 0.5), let p95 = Table.percentile(sorted, 0.95) else { return "–" }
            return "\(Table.format(p50, 1)) ms (p95 \(Table.format(p95, 1)))"
        }
        func ratio(_ ours: [Double], _ theirs: [Double]) -> String {
            guard let a = Table.percentile(ours.sorted(), 0.5), let b = Table.percentile(theirs.sorted(), 0.5), b > 0 else { return "–" }
            return Table.format(a / b, 2) + "×"
        }
        return [
            "BEP 44 immutable items: \(result.p2pshNodes) p2psh nodes and \(result.libtorrentNodes) libtorrent \(result.version) "
                + "nodes on 127.0.0.1, \(result.tried) items each way (median, p95; lower is better)",
            "",
            "| operation | p2psh | libtorrent (same network, same run) | p2psh / libtorrent |",
            "|---|---:|---:|---:|",
            "| put | \(cell(result.p2pshPut)) | \(cell(result.libtorrentPut)) | \(ratio(result.p2pshPut, result.libtorrentPut)) |",
            "| get (the other's items) | \(cell(result.p2pshGet)) | \(cell(result.libtorrentGet)) | \(ratio(result.p2pshGet, result.libtorrentGet)) |",
            "",
            "- read back intact: p2psh \(result.p2pshRead)/\(result.tried) of libtorrent's items, "
                + "libtorrent \(result.libtorrentRead)/\(result.tried) of p2psh's",
        ]
    }
}
