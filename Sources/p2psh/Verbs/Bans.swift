import ArgumentParser
import Foundation
import PeerKit

struct Bans: Verb {
    static let configuration = CommandConfiguration(
        commandName: "bans",
        abstract: "List the bans in force.",
        discussion: """
            One line per ban: what it covers, and the seconds until it ends ('never' for a \
            ban that lasts until 'unban'). Datagrams dropped because of bans are counted in \
            'stats'.

            Example:
              bans
            """)
    static let group = VerbGroup.network

    struct Output: VerbOutput {
        struct Entry: Encodable, Sendable {
            var rule: String
            /// Absent for a ban that lasts until `unban`.
            var expiresInSeconds: Int?
        }

        var bans: [Entry]

        /// In pipes `RULE SECONDS`, with `never` for a ban without end.
        func lines(for console: Console) -> [String] {
            guard !bans.isEmpty else { return console.decorated ? ["no bans: ban ADDRESS[/PREFIX]|HOST:PORT"] : [] }
            guard console.decorated else { return bans.map { "\($0.rule) \($0.expiresInSeconds.map(String.init) ?? "never")" } }
            let rows = bans.map { [$0.rule, $0.expiresInSeconds.map { "in " + Formatting.duration(Double($0)) } ?? "never"] }
            return Formatting.table(rows, header: ["BAN", "ENDS"], console: console) + [Formatting.count(bans.count, "ban")]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let now = Date()
        return Output(bans: await session.node.bans().map { ban in
            Output.Entry(rule: "\(ban.rule)",
                         expiresInSeconds: ban.expiresAt.map { max(0, Int($0.timeIntervalSince(now).rounded(.up))) })
        })
    }
}
