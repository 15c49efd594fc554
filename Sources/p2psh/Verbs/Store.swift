import ArgumentParser
import PeerKit

struct Store: Verb {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Store a value under a key on the nodes closest to it.",
        discussion: """
            KEY is used as the 160-bit key when it is 40 hex digits; otherwise the key is the \
            SHA-1 of its UTF-8 bytes. The rest of the line is the value (at most 1,000 bytes). \
            A key holds many values; storing the same value again refreshes it. This node \
            republishes its values before they expire, for as long as it runs.

            Examples:
              store greeting hello world
              store 0123456789abcdef0123456789abcdef01234567 "two  spaces"
            """)
    static let group = VerbGroup.values
    static let synopsis = "KEY VALUE"

    @Argument(help: "A name, or a 160-bit key as 40 hex digits.")
    var key: String
    @Argument(parsing: .remaining, help: "The value: the rest of the line.")
    var value: [String] = []

    func validate() throws {
        guard !value.isEmpty else { throw ValidationError("give a value after the key") }
    }

    func execute(in session: ShellSession) async throws -> VerbResult {
        let key = DHTKey(key)
        let started = ContinuousClock.now
        let result = try await session.node.store(Array(value.joined(separator: " ").utf8), at: key.id)
        session.completer.update { $0.keys.append(key.text) }
        let summary = "stored on \(result.storedOn.count) nodes (\(Formatting.milliseconds(since: started)))"
        session.console.print(session.console.isInteractive ? "\(key.usingLine)   \(summary)" : summary)
        return .done
    }
}
