import ArgumentParser
import PeerKit

struct Get: Verb {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the values stored under a key.",
        discussion: """
            Looks the key up on the network and prints each distinct value on its own line, \
            values this node holds first. Values that are not UTF-8 text are shown as 0x hex, and \
            control characters in text as escapes (\\n, \\x1b), so a value cannot drive the terminal. \
            TAB completes keys used in this session and keys this node holds.

            Examples:
              get greeting
              get 0123456789abcdef0123456789abcdef01234567
            """)
    static let group = VerbGroup.values
    static let argumentCompletion = CompletionSource.keys

    @Argument(help: "A name, or a 160-bit key as 40 hex digits.")
    var key: String

    struct Output: VerbOutput {
        /// One value: `text` when it is printable UTF-8, `hex` otherwise.
        struct Value: Encodable, Sendable {
            var bytes: Int
            var text: String?
            var hex: String?
        }

        var key: String
        var keyId: String
        var hashed: Bool
        var values: [Value]
        /// Nodes that returned values.
        var sources: Int
        var queries: Int
        var milliseconds: Int

        func lines(for console: Console) -> [String] {
            values.map { $0.text.map(\.printable) ?? "0x" + ($0.hex ?? "") }
                + (console.decorated ? ["Get: found \(Formatting.count(values.count, "value")) from "
                    + "\(Formatting.count(sources, "node")) after \(milliseconds) ms, \(Formatting.count(queries, "query", plural: "queries"))"] : [])
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let key = DHTKey(key)
        session.console.note(key.usingLine)
        let started = ContinuousClock.now
        let result = try await session.node.get(key.id)
        session.completer.update { $0.keys.append(key.text) }
        guard !result.values.isEmpty else {
            throw ShellError("no value under '\(key.text)' (\(result.queries) queries in "
                + "\(Formatting.milliseconds(since: started)) ms): store one with 'store \(key.text) VALUE'")
        }
        return Output(key: key.text, keyId: key.id.hex, hashed: key.isHashed,
                      values: result.values.map { bytes in
                          let text = Formatting.text(bytes)
                          return .init(bytes: bytes.count, text: text, hex: text == nil ? bytes.hexString : nil)
                      },
                      sources: result.sources, queries: result.queries, milliseconds: Formatting.milliseconds(since: started))
    }
}
