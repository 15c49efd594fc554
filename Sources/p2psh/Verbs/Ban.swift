import ArgumentParser
import Foundation
import PeerKit

struct Ban: Verb {
    static let configuration = CommandConfiguration(
        commandName: "ban",
        abstract: "Ban an address, a network or one socket.",
        discussion: """
            A banned source gets no answer, is never queried, never handed out to other nodes \
            and never kept in the routing table; it leaves the table, and the neighbours, at \
            once. The file server closes a banned host's connections unanswered too. ADDRESS \
            bans a host, ADDRESS/PREFIX a network, HOST:PORT one socket (which \
            is what one node is on loopback, where every node shares an address). Without \
            --for the ban lasts until 'unban'. Bans are kept in the database, so they \
            outlive a restart; 'bans' lists them and 'stats' counts them. TAB completes the \
            addresses of known and recently seen nodes.

            Examples:
              ban 203.0.113.9
              ban 198.51.100.0/24 --for 1h
              ban 127.0.0.1:6890 --for 90
            """)
    static let group = VerbGroup.network
    static let argumentCompletion = CompletionSource.nodeAddresses

    @Argument(help: ArgumentHelp("ADDRESS, ADDRESS/PREFIX or HOST:PORT (IPv6 with a port as [ADDRESS]:PORT).",
                                 valueName: "address"))
    var target: String
    @Option(name: .customLong("for"), help: .duration("How long the ban lasts (until 'unban' without it)"))
    var duration: DurationArgument?

    func validate() throws {
        do { _ = try BanRule(target) } catch { throw ValidationError(error.description) }
    }

    struct Output: VerbOutput {
        var rule: String
        /// Seconds until the ban ends; absent when it lasts until `unban`.
        var expiresInSeconds: Int?
        /// Addresses of the nodes that left the routing table.
        var removed: [String]
        /// File-sharing neighbours forgotten.
        var neighboursForgotten: Int

        func lines(for console: Console) -> [String] {
            let length = expiresInSeconds.map { "for " + Formatting.duration(Double($0)) } ?? "until 'unban'"
            let dropped = removed.isEmpty ? "" : ", " + Formatting.count(removed.count, "node") + " left the routing table"
            return ["banned \(rule) \(length)\(dropped)"]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let rule = try BanRule(target)
        let removed = try await session.node.ban(rule, for: duration?.duration)
        let forgotten = await session.peer.forgetNeighbours { rule.covers($0) }
        return Output(rule: "\(rule)", expiresInSeconds: duration.map { Int($0.duration.inSeconds.rounded()) },
                      removed: removed.map { "\($0.address)" }, neighboursForgotten: forgotten)
    }
}
