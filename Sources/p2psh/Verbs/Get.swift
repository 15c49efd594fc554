import ArgumentParser
import PeerKit

struct Get: Verb {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the values stored under a key.",
        discussion: """
            Looks the key up on the network and prints each distinct value on its own line, \
            values this node holds first. A key of 40 hex digits is also a BEP 44 target: the \
            immutable item under it (or a mutable one without salt) is printed after the values. \
            A key of 64 hex digits is an ed25519 public key: the mutable item it signed under \
            --salt is printed, the highest verified sequence number found. Items whose hash or \
            signature does not match are never shown. Values that are not UTF-8 text are shown \
            as 0x hex, and control characters in text as escapes (\\n, \\x1b), so a value cannot \
            drive the terminal. TAB completes keys used in this session and keys this node holds.

            Examples:
              get greeting
              get 0123456789abcdef0123456789abcdef01234567
              get 77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548 --salt profile
            """)
    static let group = VerbGroup.values
    static let argumentCompletion = CompletionSource.keys

    @Argument(help: "A name, a 160-bit key or target as 40 hex digits, or a public key as 64.")
    var key: String
    @Option(help: ArgumentHelp("The salt of the mutable item under a public key.", valueName: "salt"))
    var salt: String?

    func validate() throws {
        try DHTKey.validate(key, salt: salt)
    }

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
        /// The sequence number of the mutable item printed last; absent when there is none.
        var seq: Int64?
        /// Nodes that returned values or the item.
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
        let started = ContinuousClock.now
        if let publicKey = [UInt8](hex: key), publicKey.count == 32 {
            let salt = Array((salt ?? "").utf8)
            let target = Item.target(publicKey: publicKey, salt: salt)
            session.console.note("Using target \(target.hex) (public key and salt)")
            let result = try await session.node.getItem(target, publicKey: publicKey, salt: salt)
            session.completer.update { $0.keys.append(key) }
            guard let item = result.item else {
                throw ShellError("no item signed by \(key.prefix(16))… under \(self.salt.map { "salt '\($0.printable)'" } ?? "no salt") "
                    + "(\(result.queries) queries in \(Formatting.milliseconds(since: started)) ms): put one with 'put --salt SALT VALUE'")
            }
            return output(key: key, id: target, hashed: false, values: [], item: item, sources: result.sources,
                          queries: result.queries, started: started)
        }
        let dhtKey = DHTKey(key)
        session.console.note(dhtKey.usingLine)
        let node = session.node
        async let values = node.get(dhtKey.id)
        async let item = dhtKey.isHashed ? nil : try? node.getItem(dhtKey.id)
        let (result, found) = (try await values, await item)
        session.completer.update { $0.keys.append(dhtKey.text) }
        guard !result.values.isEmpty || found?.item != nil else {
            throw ShellError("no value under '\(dhtKey.shown)' (\((result.queries + (found?.queries ?? 0))) queries in "
                + "\(Formatting.milliseconds(since: started)) ms): store one with 'store KEY VALUE'")
        }
        return output(key: dhtKey.text, id: dhtKey.id, hashed: dhtKey.isHashed, values: result.values, item: found?.item,
                      sources: result.sources + (found?.sources ?? 0), queries: result.queries + (found?.queries ?? 0),
                      started: started)
    }

    private func output(key: String, id: NodeID, hashed: Bool, values: [[UInt8]], item: Item?, sources: Int, queries: Int,
                        started: ContinuousClock.Instant) -> Output {
        let shown = values + (item.map { [Self.content(of: $0.value)] } ?? [])
        return Output(key: key, keyId: id.hex, hashed: hashed,
                      values: shown.map { bytes in
                          let text = Formatting.text(bytes)
                          return .init(bytes: bytes.count, text: text, hex: text == nil ? bytes.hexString : nil)
                      },
                      seq: item?.signature?.sequence, sources: sources, queries: queries,
                      milliseconds: Formatting.milliseconds(since: started))
    }

    /// What a bencoded item value shows as: a string's bytes, or the bencoding of anything else.
    static func content(of bencoded: [UInt8]) -> [UInt8] {
        guard let colon = bencoded.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              bencoded[..<colon].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let length = Int(String(decoding: bencoded[..<colon], as: UTF8.self)),
              length == bencoded.count - colon - 1 else { return bencoded }
        return Array(bencoded[(colon + 1)...])
    }
}
