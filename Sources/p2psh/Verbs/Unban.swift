import ArgumentParser
import PeerKit

struct Unban: Verb {
    static let configuration = CommandConfiguration(
        commandName: "unban",
        abstract: "Lift a ban.",
        discussion: """
            RULE is a ban as 'bans' lists it. The source may answer and be queried again; it \
            enters the routing table the next time it answers. TAB completes the bans in force.

            Example:
              unban 198.51.100.0/24
            """)
    static let group = VerbGroup.network
    static let argumentCompletion = CompletionSource.bans

    @Argument(help: ArgumentHelp("A ban as 'bans' lists it.", valueName: "rule"))
    var target: String

    func validate() throws {
        do { _ = try BanRule(target) } catch { throw ValidationError(error.description) }
    }

    struct Output: VerbOutput {
        var rule: String

        func lines(for console: Console) -> [String] { ["lifted the ban on \(rule)"] }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let rule = try BanRule(target)
        guard try await session.node.unban(rule) else {
            throw ShellError("\(rule) is not banned: 'bans' lists the bans in force")
        }
        return Output(rule: "\(rule)")
    }
}
