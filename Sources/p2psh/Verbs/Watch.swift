import ArgumentParser
import PeerKit

struct Watch: Verb {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print each value under a key as it arrives.",
        discussion: """
            Prints the values under KEY now, then each new one as it arrives, one a line, until \
            Ctrl-C (or, in a script, until --count values were printed or --timeout passed). \
            The nodes closest to the key are asked to tell this node of each new value (a \
            listen, renewed every minute), so a value stored on a p2psh network shows within \
            about a second; where no holder takes the listen, the key is polled every 5 \
            seconds. A KEY of 64 hex digits is a public key: each new version (a higher \
            sequence number) of the mutable item it signed under --salt is printed, polled \
            every 5 seconds, as BEP 44 has no notifications. With --json each value is a line \
            of its own. The status is 0 when --count values were printed (or at Ctrl-C or the \
            timeout without --count), else 1.

            Examples:
              watch greeting
              watch greeting --count 1 --timeout 30s
              watch 77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548 --salt profile
            """)
    static let group = VerbGroup.values
    static let argumentCompletion = CompletionSource.keys
    static let runsUntilInterrupted = true

    @Argument(help: "A name, a 160-bit key as 40 hex digits, or a public key as 64.")
    var key: String
    @Option(help: ArgumentHelp("The salt of the mutable item under a public key.", valueName: "salt"))
    var salt: String?
    @Option(help: ArgumentHelp("End after this many values.", valueName: "n"))
    var count: Int?
    @Option(help: .duration("End after this long"))
    var timeout: DurationArgument?

    func validate() throws {
        try DHTKey.validate(key, salt: salt)
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    /// One value as it arrived.
    struct Value: VerbOutput {
        var keyId: String
        var bytes: Int
        var text: String?
        var hex: String?
        /// A mutable item's sequence number.
        var seq: Int64?

        func lines(for console: Console) -> [String] {
            [(text.map(\.printable) ?? "0x" + (hex ?? "")) + (console.decorated ? seq.map { "   (seq \($0))" } ?? "" : "")]
        }
    }

    struct Output: VerbOutput {
        var keyId: String
        /// Values printed.
        var values: Int

        func lines(for console: Console) -> [String] {
            console.decorated ? ["watched: " + Formatting.count(values, "value")] : []
        }
    }

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let (target, source) = await values(from: session.node)
        session.completer.update { $0.keys.append(key) }
        let stream = Self.ending(source, after: timeout?.duration)
        let limit = count ?? .max
        var printed = 0
        for await value in stream {
            session.console.partial(value)
            printed += 1
            if printed >= limit { break }
        }
        if let count, printed < count, !Task.isCancelled, let timeout {
            throw ShellError("watch ended after \(Formatting.duration(timeout.duration.inSeconds)) with \(printed) of \(count) values")
        }
        return Output(keyId: target.hex, values: printed)
    }

    /// The key's values, or a mutable item's versions, as they come.
    private func values(from node: Node) async -> (NodeID, AsyncStream<Value>) {
        if let publicKey = [UInt8](hex: key), publicKey.count == 32 {
            let salt = Array((salt ?? "").utf8)
            let target = Item.target(publicKey: publicKey, salt: salt)
            let items = await node.watchItem(target, publicKey: publicKey, salt: salt)
            return (target, Self.mapped(items) { Self.value(Get.content(of: $0.value), at: target, seq: $0.signature?.sequence) })
        }
        let id = DHTKey(key).id
        return (id, Self.mapped(await node.watch(id)) { Self.value($0, at: id, seq: nil) })
    }

    /// `stream`'s elements through `transform`; dropping the result drops `stream`.
    private static func mapped<Element: Sendable>(_ stream: AsyncStream<Element>,
                                                  _ transform: @escaping @Sendable (Element) -> Value) -> AsyncStream<Value> {
        AsyncStream { continuation in
            let task = Task {
                for await element in stream { continuation.yield(transform(element)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `stream`, ended after `duration` when one is given.
    private static func ending(_ stream: AsyncStream<Value>, after duration: Duration?) -> AsyncStream<Value> {
        guard let duration else { return stream }
        return AsyncStream { continuation in
            let forward = Task {
                for await value in stream { continuation.yield(value) }
                continuation.finish()
            }
            let timer = Task {
                try? await Task.sleep(for: duration)
                continuation.finish()
            }
            continuation.onTermination = { _ in
                forward.cancel()
                timer.cancel()
            }
        }
    }

    private static func value(_ bytes: [UInt8], at key: NodeID, seq: Int64?) -> Value {
        let text = Formatting.text(bytes)
        return Value(keyId: key.hex, bytes: bytes.count, text: text, hex: text == nil ? bytes.hexString : nil, seq: seq)
    }
}
