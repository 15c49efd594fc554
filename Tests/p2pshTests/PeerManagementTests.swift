import Foundation
import Testing
import TestSupport

/// `ban`, `unban`, `bans`, `forget`, `neighbours` and `--max-peers` on real processes.
@Suite(.timeLimit(.minutes(2))) struct PeerManagementTests {
    @Test func aBannedNodeIsDroppedUnansweredUnqueriedAndTheBanOutlivesARestart() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let abuser = try await ShellProcess.start(["--ephemeral", "-k"])
        defer { abuser.child.terminate() }
        let node = try await ShellProcess.start(["--data-dir", directory, "-k"])
        _ = try await node.output(of: "join \(abuser.address)")
        #expect(try await node.output(of: "peers").contains(abuser.address))

        let banned = try await node.output(of: "ban \(abuser.address)")
        #expect(banned == "banned \(abuser.address) until 'unban', 1 node left the routing table\n", "\(banned)")
        #expect(!(try await node.output(of: "peers")).contains(abuser.address))
        #expect(try await node.output(of: "bans") == "\(abuser.address) never\n")
        _ = try await node.output(of: "ping \(abuser.address)")
        #expect(node.child.stderr.contains("error: \(abuser.address) is banned (\(abuser.address)): 'unban \(abuser.address)'"),
                "\(node.child.stderr)")
        // The banned node's queries go unanswered.
        _ = try await abuser.output(of: "ping \(node.address)", timeout: 20)
        #expect(abuser.child.stderr.contains("no answer from \(node.address)"), "\(abuser.child.stderr)")
        let counted = try await node.output(of: "stats")
        #expect(counted.contains("bans 1\n") && !counted.contains("banned_datagrams 0\n"), "\(counted)")
        #expect(try await node.exit() == 1, "the ping failed, so -k ends with 1")

        let restarted = try await ShellProcess.start(["--data-dir", directory, "-k"])
        defer { restarted.child.terminate() }
        #expect(try await restarted.output(of: "bans") == "\(abuser.address) never\n", "kept in the database")
        #expect(try await restarted.output(of: "unban \(abuser.address)") == "lifted the ban on \(abuser.address)\n")
        #expect(try await restarted.output(of: "ping \(abuser.address)").hasPrefix("\(abuser.address)  node "))
        _ = try await restarted.output(of: "unban \(abuser.address)")
        #expect(restarted.child.stderr.contains("error: \(abuser.address) is not banned"), "\(restarted.child.stderr)")
    }

    @Test func aTimedBanIsListedWithItsSecondsAndBadRulesAreRefusedClearly() async throws {
        let run = try await p2psh(["--ephemeral", "--port", "0", "-k", "-c",
                                   "ban 198.51.100.7/24 --for 1h; bans; ban nonsense; ban 10.0.0.0/40; ban 10.0.0.1 --for soon"],
                                  input: "")
        #expect(run.stdout.hasPrefix("banned 198.51.100.0/24 for 1h 0m\n198.51.100.0/24 3600\n")
                || run.stdout.hasPrefix("banned 198.51.100.0/24 for 1h 0m\n198.51.100.0/24 3599\n"), "\(run.stdout)")
        #expect(run.stderr.contains("'nonsense' is not an address: give ADDRESS, ADDRESS/PREFIX or HOST:PORT"), "\(run.stderr)")
        #expect(run.stderr.contains("'/40' is not a prefix length: give 1 to 32"), "\(run.stderr)")
        #expect(run.stderr.contains("soon"), "\(run.stderr)")
        let listed = try await p2psh(["--ephemeral", "--port", "0", "--json", "-c", "ban 198.51.100.7/24 --for 1h; bans"], input: "")
        let json = try #require(listed.stdout.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let bans = try #require((object["result"] as? [String: Any])?["bans"] as? [[String: Any]])
        #expect(bans.first?["rule"] as? String == "198.51.100.0/24")
        #expect((bans.first?["expires_in_seconds"] as? Int).map { (3590...3600).contains($0) } == true)
    }

    @Test func forgetDropsANodeAndItsNeighbourRecordWhichComesBackOnlyByAnswering() async throws {
        let seed = try await ShellProcess.start()
        defer { seed.child.terminate() }
        let node = try await ShellProcess.start(["--ephemeral", "-k"])
        defer { node.child.terminate() }
        _ = try await node.output(of: "join \(seed.address)")
        let neighbours = try await node.output(of: "neighbours")
        let fields = neighbours.split(separator: "\n").first?.split(separator: " ") ?? []
        #expect(fields.count == 5, "ID ADDRESS HTTP_PORT HEARD NAMES: \(neighbours)")
        #expect(fields.count == 5 && fields[1] == seed.address[...] && fields[4] == "0", "\(neighbours)")
        let forgotten = try await node.output(of: "forget \(seed.address)")
        #expect(forgotten.hasPrefix("forgot ") && forgotten.contains(" at \(seed.address)\n") && forgotten.contains("forgot 1 neighbour"),
                "\(forgotten)")
        #expect(try await node.output(of: "peers").isEmpty)
        #expect(try await node.output(of: "neighbours").isEmpty)
        _ = try await node.output(of: "forget \(seed.address)")
        #expect(node.child.stderr.contains("error: no node \(seed.address) in the routing table or among the neighbours"),
                "\(node.child.stderr)")
        _ = try await node.output(of: "join \(seed.address)")
        #expect(try await node.output(of: "peers").contains(seed.address), "it comes back by answering")
    }

    @Test func aBannedHostGetsNoAnswerFromTheFileServerEitherAndTheBanOutlivesARestart() async throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func httpAddress(_ node: ShellProcess) async throws -> String {
            let stats = try await node.output(of: "stats")
            return String(try #require(stats.split(separator: "\n").first { $0.hasPrefix("http_address ") }?.split(separator: " ").last))
        }
        func status(from source: String, _ http: String) async throws -> String {
            try await ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                                                         "--interface", source, "http://\(http)/files"]).stdout
        }
        let node = try await ShellProcess.start(["--data-dir", directory])
        let http = try await httpAddress(node)
        #expect(try await status(from: "127.0.0.2", http) == "200")
        _ = try await node.output(of: "ban 127.0.0.2")
        #expect(try await status(from: "127.0.0.2", http) == "000", "closed unanswered")
        #expect(try await status(from: "127.0.0.3", http) == "200", "another host is served")
        _ = try await node.exit()
        let restarted = try await ShellProcess.start(["--data-dir", directory])
        defer { restarted.child.terminate() }
        #expect(try await status(from: "127.0.0.2", try await httpAddress(restarted)) == "000", "the ban came back from the database")
    }

    @Test func maxPeersCapsTheRoutingTable() async throws {
        var others: [ShellProcess] = []
        defer { for other in others { other.child.terminate() } }
        for _ in 0..<4 { others.append(try await ShellProcess.start()) }
        for other in others.dropFirst() { _ = try await other.output(of: "join \(others[0].address)") }
        let capped = try await p2psh(["--ephemeral", "--port", "0", "--max-peers", "2", "-c",
                                      "join \(others[0].address); peers"], input: "", timeout: 40)
        #expect(capped.status == 0, "\(capped.stderr)")
        let peers = capped.stdout.split(separator: "\n").filter { !$0.hasPrefix("joined") }
        #expect(peers.count == 2, "\(capped.stdout)")
        let refused = try await p2psh(["--ephemeral", "--max-peers", "0", "-c", "stats"], input: "")
        #expect(refused.status != 0 && refused.stderr.contains("--max-peers must be at least 1"), "\(refused.stderr)")
    }
}

/// `unstore` among separate p2psh processes.
@Suite(.timeLimit(.minutes(2))) struct UnstoreTests {
    @Test func unstoreWithdrawsFromEveryP2PSHHolderAtOnceAndOnlyTheOwnerCan() async throws {
        let owner = try await ShellProcess.start(["--ephemeral", "-k"])
        defer { owner.child.terminate() }
        let holder = try await ShellProcess.start(["--ephemeral", "-k"])
        defer { holder.child.terminate() }
        let reader = try await ShellProcess.start(["--ephemeral", "-k"])
        defer { reader.child.terminate() }
        _ = try await holder.output(of: "join \(owner.address)")
        _ = try await reader.output(of: "join \(owner.address)")
        _ = try await owner.output(of: "join \(holder.address)")
        _ = try await owner.output(of: "store 'withdrawn key' a value")
        _ = try await owner.output(of: "store 'withdrawn key' another")
        #expect(try await reader.output(of: "get 'withdrawn key'").contains("a value"))
        let listed = try await owner.output(of: "values")
        #expect(listed.contains(" 2 2 ") && listed.hasSuffix(" values withdrawn key\n"), "KEY VALUES OWN BYTES AGE KIND NAME: \(listed)")

        _ = try await holder.output(of: "unstore 'withdrawn key'")
        #expect(holder.child.stderr.contains("error: this node stored no value under that key"), "\(holder.child.stderr)")
        let one = try await owner.output(of: "unstore 'withdrawn key' a value")
        #expect(one.hasPrefix("withdrew 1 value: dropped by 2 of 2 nodes asked"), "\(one)")
        let rest = try await reader.output(of: "get 'withdrawn key'")
        #expect(!rest.contains("a value") && rest.contains("another"), "\(rest)")
        _ = try await owner.output(of: "unstore 'withdrawn key'")
        #expect(try await owner.output(of: "values").isEmpty)
        _ = try await reader.output(of: "get 'withdrawn key'")
        #expect(reader.child.stderr.contains("error:"), "no value is left anywhere: \(reader.child.stderr)")
    }
}
