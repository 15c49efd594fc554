import ArgumentParser
import PeerKit

struct Store: Verb {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Store a value under a key on the nodes closest to it.",
        discussion: """
            KEY is used as the 160-bit key when it is 40 hex digits; otherwise the key is the \
            SHA-1 of its UTF-8 bytes. The rest of the command is the value (at most 1,000 \
            bytes; quote it to keep a ';' or '#'). A key holds many values; storing the same \
            value again refreshes it. This node republishes its values before they expire, for \
            as long as it runs. A node that knows no peers yet keeps the value here ('get' finds \
            it) and publishes it when it joins, so the first node of a network can seed it.

            Examples:
              store greeting hello world
              store 0123456789abcdef0123456789abcdef01234567 "two  spaces"
            """)
    static let group = VerbGroup.values
    static let argumentCompletion = CompletionSource.keys

    @Argument(help: "A name, or a 160-bit key as 40 hex digits.")
    var key: String
    @Argument(parsing: .remaining, help: "The value: the rest of the command.")
    var value: [String]

    func validate() throws { try DHTKey.validate(key) }

    struct Output: VerbOutput {
        /// The key as typed.
        var key: String
        /// The 160-bit key used, as 40 hex digits.
        var keyId: String
        /// True when the key is the SHA-1 of what was typed.
        var hashed: Bool
        var valueBytes: Int
        /// Addresses of the nodes that acknowledged the value.
        var storedOn: [String]
        /// True when no peer was known: kept here, published when this node joins.
        var keptHere: Bool
        var queries: Int
        var milliseconds: Int

        func lines(for console: Console) -> [String] {
            let summary = "stored on \(Formatting.count(storedOn.count, "node"))"
                + (keptHere ? ", kept here: no peers known yet, it is published when this node joins" : "")
            return [console.decorated ? "\(DHTKey(key).usingLine)   \(summary) (\(milliseconds) ms)" : summary]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let key = DHTKey(key)
        let bytes = Array(value.joined(separator: " ").utf8)
        let started = ContinuousClock.now
        let result = try await session.node.store(bytes, at: key.id)
        session.completer.update { $0.keys.append(key.text) }
        return Output(key: key.text, keyId: key.id.hex, hashed: key.isHashed, valueBytes: bytes.count,
                      storedOn: result.storedOn.map { "\($0.address)" }, keptHere: result.keptHere, queries: result.queries,
                      milliseconds: Formatting.milliseconds(since: started))
    }
}
