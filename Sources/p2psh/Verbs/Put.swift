import ArgumentParser
import PeerKit

struct Put: Verb {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Put a BEP 44 item on the nodes closest to its target.",
        discussion: """
            The rest of the command is the value, put as a bencoded string (at most 1,000 bytes \
            bencoded). Without --salt the item is immutable: its target is the SHA-1 of the \
            bencoded value, and 'get TARGET' reads it. With --salt it is mutable: signed with this \
            node's ed25519 key (made once, kept in the data directory; 'stats' shows its public \
            key), stored under the SHA-1 of the key and the salt, and 'get PUBLIC_KEY --salt SALT' \
            reads it on any node. Each put of a mutable item takes the next sequence number \
            after the highest this node or the network holds, unless --seq sets it; --cas N makes \
            nodes refuse the put unless they hold seq N. BitTorrent's DHT nodes (libtorrent) \
            speak BEP 44, so items reach them too. This node puts its items again every hour \
            while it runs; nodes drop them 2 hours after the last put.

            Examples:
              put hello world
              put --salt profile "my new status"
              put --salt profile --seq 10 --cas 9 "compare and swap"
            """)
    static let group = VerbGroup.values

    @Option(help: ArgumentHelp("Make the item mutable, signed under this salt (at most 64 bytes).", valueName: "salt"))
    var salt: String?
    @Option(help: ArgumentHelp("The sequence number of a mutable item (default: the next one).", valueName: "n"))
    var seq: Int64?
    @Option(help: ArgumentHelp("Refuse the put where the stored sequence number is not this one.", valueName: "n"))
    var cas: Int64?
    @Argument(parsing: .remaining, help: "The value: the rest of the command.")
    var value: [String]

    func validate() throws {
        if salt == nil, seq != nil || cas != nil {
            throw ValidationError("--seq and --cas are for mutable items: give --salt too (it may be \"\")")
        }
        if let seq, seq < 0 { throw ValidationError("--seq must not be negative") }
    }

    struct Output: VerbOutput {
        /// Where the item lives, 40 hex digits.
        var target: String
        var mutable: Bool
        /// A mutable item's public key (64 hex digits), salt and sequence number.
        var publicKey: String?
        var salt: String?
        var seq: Int64?
        var valueBytes: Int
        /// Addresses of the nodes that acknowledged the item.
        var storedOn: [String]
        var queries: Int
        var milliseconds: Int

        /// The target alone in pipes (what a script passes to `get`); a summary on a terminal.
        func lines(for console: Console) -> [String] {
            guard console.decorated else { return [target] }
            let stored = "stored on \(Formatting.count(storedOn.count, "node")) (\(milliseconds) ms)"
            guard let publicKey, let seq else { return ["Put: target \(target)   \(stored)"] }
            return ["Put: target \(target) seq \(seq)   \(stored)",
                    "read it with: get \(publicKey)" + (salt.map { " --salt \(Tokenizer.escaped($0))" } ?? "")]
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let text = value.joined(separator: " ")
        let bencoded = Array("\(text.utf8.count):".utf8) + Array(text.utf8)
        let started = ContinuousClock.now
        let result: PutResult
        if let salt {
            result = try await session.node.putMutable(bencoded, salt: Array(salt.utf8), sequence: seq, cas: cas)
        } else {
            result = try await session.node.putImmutable(bencoded)
        }
        session.completer.update { $0.keys.append(result.target.hex) }
        return Output(target: result.target.hex, mutable: salt != nil,
                      publicKey: salt == nil ? nil : session.node.itemPublicKey.hexString, salt: salt,
                      seq: result.sequence, valueBytes: bencoded.count, storedOn: result.storedOn.map { "\($0.address)" },
                      queries: result.queries, milliseconds: Formatting.milliseconds(since: started))
    }
}
