import Foundation
import PeerKit
import Testing
import TestSupport

/// p2psh processes and libtorrent nodes on distinct hosts (network namespaces at 198.18.N.1),
/// where per-IP rules and BEP 42 apply as on the internet.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DistinctHostsTests {
    /// A `p2psh --json` process on one host, driven through its stdin as a script would.
    struct LabShell {
        let child: ChildProcess
        let address: String

        static func start(in lab: NetworkLab, host: Int, _ arguments: [String] = []) throws -> LabShell {
            let address = lab.hosts[host].address
            let child = try lab.spawn(on: host, TestPaths.p2psh, ["--ephemeral", "--json", "-k", "--host", address,
                                                                  "--port", "6881"] + arguments)
            return LabShell(child: child, address: address + ":6881")
        }

        /// Runs one command; returns its JSON record.
        func run(_ command: String, timeout: Double = 20) async throws -> [String: Any] {
            let before = child.stdout.split(separator: "\n").count
            child.send(command + "\n")
            var record: [String: Any]?
            _ = await eventually(timeout: .seconds(timeout)) {
                let lines = child.stdout.split(separator: "\n")
                guard lines.count > before else { return false }
                record = (try? JSONSerialization.jsonObject(with: Data(lines[before].utf8))) as? [String: Any]
                return true
            }
            guard let record else {
                throw ChildProcess.Timeout(description: "'\(command)' on \(address) printed nothing in \(timeout) s; "
                    + "stderr: \(child.stderr)")
            }
            return record
        }

        func result(_ command: String) async throws -> [String: Any] {
            let record = try await run(command)
            #expect(record["ok"] as? Bool == true, "\(command) on \(address): \(child.stderr)")
            return record["result"] as? [String: Any] ?? [:]
        }
    }

    /// Four p2psh nodes that joined each other; each learns its address and takes a BEP 42 id.
    func startNetwork(_ lab: NetworkLab, count: Int) async throws -> [LabShell] {
        var shells: [LabShell] = []
        for host in 0..<count { shells.append(try LabShell.start(in: lab, host: host)) }
        for shell in shells {
            let others = shells.filter { $0.address != shell.address }.map(\.address)
            _ = try await shell.result("join " + others.joined(separator: " "))
        }
        return shells
    }

    func stop(_ shells: [LabShell]) async {
        for shell in shells {
            shell.child.send("exit\n")
            _ = try? await shell.child.waitForExit(timeout: 10)
        }
    }

    @Test func nodesOnDistinctHostsLearnTheirAddressesTakeSecureIDsAndStoreAndPut() async throws {
        try await withNetworkLab(hosts: 4) { lab in
            let shells = try await startNetwork(lab, count: 4)
            try await withTeardown { await stop(shells) } body: {
                for shell in shells {
                    var stats: [String: Any] = [:]
                    _ = await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                        stats = (try? await shell.result("stats")) ?? [:]
                        let id = (stats["node_id"] as? String).flatMap(NodeID.init(hex:))
                        return id?.isSecure(for: NodeAddress(shell.address)!) == true
                    }
                    #expect(stats["external_address"] as? String == shell.address, "the vote learned the host's address")
                    let id = try #require((stats["node_id"] as? String).flatMap(NodeID.init(hex:)))
                    #expect(id.isSecure(for: NodeAddress(shell.address)!), "\(shell.address) took a BEP 42 id")
                }
                let stored = try await shells[1].result("store greeting hello from a distinct host")
                #expect((stored["stored_on"] as? [String])?.isEmpty == false)
                let got = try await shells[3].result("get greeting")
                #expect((got["values"] as? [[String: Any]])?.first?["text"] as? String == "hello from a distinct host")
                let put = try await shells[2].result("put an item")
                let target = try #require(put["target"] as? String)
                let item = try await shells[0].result("get \(target)")
                #expect((item["values"] as? [[String: Any]])?.first?["text"] as? String == "an item")
                let mutable = try await shells[1].result("put --salt s a mutable item")
                let key = try #require(mutable["public_key"] as? String)
                let read = try await shells[3].result("get \(key) --salt s")
                #expect((read["values"] as? [[String: Any]])?.first?["text"] as? String == "a mutable item")
                #expect(read["seq"] as? Int == 1)
            }
        }
    }

    /// libtorrent 2.0 with its default settings (one node per /24, its rate limits), with
    /// `dht_enforce_node_id` off and on: it bootstraps from p2psh nodes only, keeps them in its
    /// table, and immutable and mutable items and announcements travel both ways.
    @Test(arguments: [false, true]) func libtorrentWithItsDefaultsBootstrapsFromP2PSH(enforcingNodeIDs: Bool) async throws {
        try await withNetworkLab(hosts: 5) { lab in
            let shells = try await startNetwork(lab, count: 4)
            try await withTeardown { await stop(shells) } body: {
                for shell in shells {
                    _ = await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                        let stats = (try? await shell.result("stats")) ?? [:]
                        return (stats["node_id"] as? String).flatMap(NodeID.init(hex:))?
                            .isSecure(for: NodeAddress(shell.address)!) == true
                    }
                }
                let arguments = [TestPaths.packageRoot + "/scripts/libtorrent-dht-node.py", "--live", "--defaults",
                                 "--bind", lab.hosts[4].address] + (enforcingNodeIDs ? ["--enforce-node-id"] : [])
                    + shells.map(\.address)
                let libtorrent = try lab.spawn(on: 4, "/usr/bin/python3", arguments)
                defer { libtorrent.closeInput(); libtorrent.terminate() }
                try await libtorrent.waitForLine(containing: "READY", timeout: 30)
                let ids = try await shells.asyncMap { try await $0.result("stats")["node_id"] as? String ?? "" }
                for id in ids { try await libtorrent.waitForLine(containing: "LIVE \(id)", timeout: 30) }

                libtorrent.send("PUT from libtorrent in a namespace\n")
                let put = try await libtorrent.waitForLine(containing: "PUT ", timeout: 30).split(separator: " ")
                #expect((Int(put[2]) ?? 0) >= 4, "every p2psh node took libtorrent's put: \(put)")
                let got = try await shells[2].result("get \(put[1])")
                #expect((got["values"] as? [[String: Any]])?.first?["text"] as? String == "from libtorrent in a namespace")
                let ours = try await shells[1].result("put from p2psh in a namespace")
                let target = try #require(ours["target"] as? String)
                libtorrent.send("GET \(target)\n")
                #expect(try await libtorrent.waitForLine(containing: "ITEM \(target)", timeout: 30)
                    .hasSuffix(" from p2psh in a namespace"))

                // Mutable items, salted, both ways.
                libtorrent.send("MPUT lt-salt mutable from libtorrent\n")
                let mput = try await libtorrent.waitForLine(containing: "MPUT ", timeout: 30).split(separator: " ")
                let theirItem = try await shells[0].result("get \(mput[1]) --salt lt-salt")
                #expect((theirItem["values"] as? [[String: Any]])?.first?["text"] as? String == "mutable from libtorrent")
                let mutable = try await shells[2].result("put --salt p2psh-salt mutable from p2psh")
                let publicKey = try #require(mutable["public_key"] as? String)
                libtorrent.send("MGET \(publicKey) p2psh-salt\n")
                #expect(try await libtorrent.waitForLine(containing: "MITEM ", timeout: 30) == "MITEM 1 mutable from p2psh")

                // Announcements both ways: p2psh's reach libtorrent's get_peers, libtorrent's torrent p2psh's swarm.
                let ourHash = "0123456789abcdef0123456789abcdef01234567", theirs = "fedcba9876543210fedcba9876543210fedcba98"
                _ = try await shells[3].result("announce \(ourHash) --port 4242")
                libtorrent.send("PEERS \(ourHash)\n")
                #expect(try await libtorrent.waitForLine(containing: "PEERS ", timeout: 30).contains("\(shells[3].address.dropLast(5)):4242"))
                libtorrent.send("ANNOUNCE \(theirs)\n")
                let port = try await libtorrent.waitForLine(containing: "ANNOUNCED", timeout: 30).split(separator: " ")[2]
                var peers: [String] = []
                _ = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
                    let record = try? await shells[0].run("swarm \(theirs)")
                    peers = (record?["result"] as? [String: Any])?["peers"] as? [String] ?? []
                    return peers.contains("\(lab.hosts[4].address):\(port)")
                }
                #expect(peers.contains("\(lab.hosts[4].address):\(port)"), "libtorrent's announce: \(peers)")
            }
        }
    }
}

extension DistinctHostsTests {
    /// The rate limit, storage quotas and write tokens key on the IP address, however many
    /// ports one host sends from: raw KRPC clients on two other hosts probe one p2psh node.
    @Test func rateLimitsQuotasAndTokensKeyOnTheAddress() async throws {
        try await withNetworkLab(hosts: 4) { lab in
            // One node with a small store (and no rate limit, so the stores all get answers), one rate-limited.
            let shell = try LabShell.start(in: lab, host: 0, ["--rate-limit", "0", "--storage-limit", "1"])
            let limited = try LabShell.start(in: lab, host: 3, ["--rate-limit", "100"])
            try await withTeardown { await stop([shell, limited]) } body: {
                _ = try await shell.result("stats")
                _ = try await limited.result("stats")
                let client = TestPaths.fixture("krpc_client.py"), host = lab.hosts[0].address
                func run(on index: Int, _ arguments: [String]) async throws -> String {
                    let result = try await lab.run(on: index, "/usr/bin/python3", [client] + arguments, timeout: 60)
                    #expect(result.status == 0, "\(result.stderr)")
                    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                // Tokens: good from any port of the address they were given to, and from no other.
                let token = try await run(on: 1, ["token", host, "6881"])
                #expect(try await run(on: 1, ["store", host, "6881", token, "1", "first"]) == "stored 1 refused 0 other 0")
                #expect(try await run(on: 2, ["store", host, "6881", token, "1", "stolen"]) == "stored 0 refused 0 other 1")

                // Quotas: two sockets of one host are one source; when storage is full, a third socket
                // of that host is refused, and another host still gets in.
                let filled = try await run(on: 1, ["store", host, "6881", token, "800", "flood"])
                #expect(filled.hasPrefix("stored ") && !filled.hasSuffix("refused 0 other 0"), "\(filled)")
                #expect(try await run(on: 1, ["store", host, "6881", token, "3", "again"]) == "stored 0 refused 3 other 0")
                let otherToken = try await run(on: 2, ["token", host, "6881"])
                #expect(try await run(on: 2, ["store", host, "6881", otherToken, "3", "honest"]) == "stored 3 refused 0 other 0")

                // The rate limit (100 a second, a burst of 25) is per address: a flood from one host
                // is cut, another host is answered in full at the same moment.
                let limitedHost = lab.hosts[3].address
                let flood = try await run(on: 1, ["flood", limitedHost, "6881", "300"])
                let answered = Int(flood.split(separator: " ").last ?? "") ?? -1
                #expect((1..<150).contains(answered), "\(flood)")
                #expect(try await run(on: 2, ["flood", limitedHost, "6881", "20"]) == "answered 20")
                #expect(try await limited.result("stats")["queries_dropped"] as? Int ?? 0 >= 150)
                #expect(try await shell.result("stats")["stores_refused"] as? Int ?? 0 >= 3)
            }
        }
    }

    /// Transmission 3.00 (jech/dht), which drops every packet from 127.0.0.0/8: it bootstraps
    /// from p2psh nodes alone (its dht.bootstrap file) and announces a torrent through them once
    /// its table holds more than 8 nodes, and `swarm` on a p2psh node finds it.
    @Test(.timeLimit(.minutes(4))) func transmissionBootstrapsFromP2PSHAndAnnouncesThroughIt() async throws {
        try await withNetworkLab(hosts: 11) { lab in
            var shells: [LabShell] = [try LabShell.start(in: lab, host: 0)]
            for host in 1..<10 { shells.append(try LabShell.start(in: lab, host: host, ["--bootstrap", shells[0].address])) }
            try await withTeardown { await stop(shells) } body: {
                // Every node listens (and has joined) before Transmission reads its bootstrap file:
                // jech/dht pings those addresses once, and a node not up yet is lost to it.
                for shell in shells { _ = try await shell.result("stats") }
                let directory = TestPaths.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                try shells.map { $0.address.replacingOccurrences(of: ":", with: " ") }.joined(separator: "\n")
                    .write(toFile: directory + "/dht.bootstrap", atomically: true, encoding: .utf8)
                let settings: [String: Any] = [
                    "dht-enabled": true, "lpd-enabled": false, "pex-enabled": false, "port-forwarding-enabled": false,
                    "utp-enabled": false, "bind-address-ipv4": lab.hosts[10].address, "rpc-enabled": true,
                    "rpc-bind-address": "127.0.0.1", "rpc-port": 9091, "rpc-authentication-required": false,
                    "rpc-whitelist-enabled": false, "rpc-host-whitelist-enabled": false, "peer-port": 51413,
                    "download-dir": directory, "incomplete-dir-enabled": false, "message-level": 3,
                ]
                try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: directory + "/settings.json"))
                let transmission = try lab.spawn(on: 10, "/usr/bin/transmission-daemon", ["-f", "-g", directory],
                                                 environment: ["TR_DHT_VERBOSE": "1"])
                defer { transmission.terminate() }
                let infoHash = "89abcdef0123456789abcdef0123456789abcdef"
                var added: (status: Int32, stdout: String, stderr: String) = (1, "", "")
                _ = await eventually(timeout: .seconds(10), every: .milliseconds(250)) {
                    added = (try? await lab.run(on: 10, "/usr/bin/transmission-remote",
                                                ["127.0.0.1:9091", "-a", "magnet:?xt=urn:btih:\(infoHash)"])) ?? added
                    return added.status == 0
                }
                #expect(added.status == 0, "transmission-remote: \(added.stderr)")
                var peers: [String] = []
                // jech/dht announces once its table holds more than 8 good nodes: 30 to 90 s here.
                _ = await eventually(timeout: .seconds(150), every: .seconds(2)) {
                    let record = try? await shells[4].run("swarm \(infoHash)")
                    peers = (record?["result"] as? [String: Any])?["peers"] as? [String] ?? []
                    return peers.contains("\(lab.hosts[10].address):51413")
                }
                #expect(peers.contains("\(lab.hosts[10].address):51413"),
                        "Transmission announced through p2psh: \(peers); its log: \(transmission.stderr.suffix(2000))")
            }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
