import ArgumentParser
import PeerKit

struct Get: Verb {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the values stored under a key.",
        discussion: """
            Looks the key up on the network and prints each distinct value on its own line, \
            values this node holds first. Values that are not printable text are shown as 0x hex.

            Examples:
              get greeting
              get 0123456789abcdef0123456789abcdef01234567
            """)
    static let group = VerbGroup.values
    static let synopsis = "KEY"

    @Argument(help: "A name, or a 160-bit key as 40 hex digits.")
    var key: String

    func execute(in session: ShellSession) async throws -> VerbResult {
        let key = DHTKey(key)
        session.console.note(key.usingLine)
        let started = ContinuousClock.now
        let result = try await session.node.get(key.id)
        session.completer.update { $0.keys.append(key.text) }
        guard !result.values.isEmpty else {
            throw ShellError("no value under '\(key.text)' (\(result.queries) queries in "
                + "\(Formatting.milliseconds(since: started))): store one with 'store \(key.text) VALUE'")
        }
        for value in result.values { session.console.print(Formatting.value(value)) }
        session.console.note("Get: found \(result.values.count) value(s) from \(result.sources) node(s) after "
            + "\(Formatting.milliseconds(since: started)), \(result.queries) queries")
        return .done
    }
}
