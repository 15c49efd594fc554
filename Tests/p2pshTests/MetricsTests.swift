import Foundation
import Testing
import TestSupport

/// `GET /metrics` on a real process: Prometheus text that promtool accepts, counting what the
/// node did, with no address, id or key in any label.
@Suite(.timeLimit(.minutes(1))) struct MetricsTests {
    @Test func metricsAreValidPrometheusTextAndCountTheNodesWork() async throws {
        let node = try await ShellProcess.start()
        defer { node.child.terminate() }
        let stats = try await node.output(of: "stats")
        let http = try #require(stats.split(separator: "\n").first { $0.hasPrefix("http_address ") }?.split(separator: " ").last)
        let visitor = try await ShellProcess.start()
        defer { visitor.child.terminate() }
        _ = try await visitor.output(of: "join \(node.address)")
        #expect(try await visitor.output(of: "store k v").contains("stored on 1 node"))
        #expect(try await node.output(of: "get k").contains("v"))
        let scrape = try await ChildProcess.run("/usr/bin/curl", ["-s", "-D", "-", "http://\(http)/metrics"])
        #expect(scrape.status == 0)
        let (head, body) = try #require(scrape.stdout.range(of: "\r\n\r\n").map {
            (String(scrape.stdout[..<$0.lowerBound]), String(scrape.stdout[$0.upperBound...]))
        })
        #expect(head.lowercased().contains("content-type: text/plain; version=0.0.4"), "\(head)")
        let check = try await ChildProcess.run("/usr/bin/promtool", ["check", "metrics"], input: body)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")

        func value(_ series: String) -> Double? {
            body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        #expect((value(#"p2psh_krpc_queries_received_total{method="store_value"}"#) ?? 0) >= 1, "\(body)")
        #expect((value(#"p2psh_krpc_queries_received_total{method="find_value"}"#) ?? 0) >= 1)
        #expect(value("p2psh_routing_table_nodes") == 1)
        #expect(value("p2psh_values_held") == 1)
        #expect((value(#"p2psh_krpc_query_duration_seconds_count{method="find_value"}"#) ?? 0) >= 1, "the node's own get")
        #expect((value("p2psh_lookup_duration_seconds_count") ?? 0) >= 1)
        // No label holds an address, a node id or a key: only methods, outcomes, directions, reasons.
        let labels = body.split(separator: "\n").filter { !$0.hasPrefix("#") }.flatMap { line -> [Substring] in
            guard let open = line.firstIndex(of: "{"), let close = line.firstIndex(of: "}") else { return [] }
            return line[line.index(after: open)..<close].split(separator: ",")
        }
        let names = Set(labels.compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(names.isSubset(of: ["method", "outcome", "direction", "reason", "le"]), "\(names)")
        #expect(!labels.contains { $0.contains("127.0.0.1") || $0.contains(":\(node.port)") })
    }
}
