import ArgumentParser
import PeerKit

struct Unstore: Verb {
    static let configuration = CommandConfiguration(
        commandName: "unstore",
        abstract: "Withdraw this node's values under a key.",
        discussion: """
            Stops republishing this node's own values under KEY (all of them, or only VALUE: \
            the rest of the command, as 'store' takes it), drops them here, and asks the nodes \
            closest to the key to drop their copies. A node drops a value only when the source \
            that stored it asks, so nobody can withdraw another's values. Where every holder \
            is a p2psh node, 'get' stops finding the value at once; mainline nodes keep their \
            copies until they expire (3 hours after the last republication). Values other \
            nodes stored here are theirs: they expire on their own.

            Examples:
              unstore greeting
              unstore greeting hello world
            """)
    static let group = VerbGroup.values
    static let argumentCompletion = CompletionSource.keys

    @Argument(help: "A name, or a 160-bit key as 40 hex digits.")
    var key: String
    @Argument(parsing: .remaining, help: "One value to withdraw (the rest of the command); all of them without it.")
    var value: [String] = []

    func validate() throws { try DHTKey.validate(key) }

    struct Output: VerbOutput {
        var key: String
        var keyId: String
        /// This node's values withdrawn.
        var values: Int
        /// Addresses of the holders that dropped their copies.
        var droppedBy: [String]
        /// The closest nodes asked to drop them.
        var asked: Int
        var queries: Int
        var milliseconds: Int

        func lines(for console: Console) -> [String] {
            let summary = "withdrew " + Formatting.count(values, "value") + ": dropped by \(droppedBy.count) of "
                + Formatting.count(asked, "node") + " asked"
                + (droppedBy.count < asked ? " (the others expire it within 3 hours)" : "")
            return [console.decorated ? "\(DHTKey(key).usingLine)   \(summary) (\(milliseconds) ms)" : summary]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let key = DHTKey(key)
        let started = ContinuousClock.now
        let result = try await session.node.unstore(key.id, value: value.isEmpty ? nil : Array(value.joined(separator: " ").utf8))
        return Output(key: key.text, keyId: key.id.hex, values: result.values.count,
                      droppedBy: result.droppedBy.map { "\($0.address)" }, asked: result.asked, queries: result.queries,
                      milliseconds: Formatting.milliseconds(since: started))
    }
}
