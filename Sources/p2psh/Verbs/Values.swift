import ArgumentParser
import Foundation
import PeerKit

struct Values: Verb {
    static let configuration = CommandConfiguration(
        commandName: "values",
        abstract: "List the values this node holds, or one key's values.",
        discussion: """
            Without KEY: one line per key this node holds something under (stored here by \
            other nodes, or its own): the key, how many values, how many of them are this \
            node's own (republished while it runs; 'unstore' withdraws them), their bytes, how \
            long ago the newest was stored or refreshed, what they are, and the name the key \
            was typed as in this session ('-' in pipes when none was). What they are is 'values' (store), 'item' (a BEP 44 \
            item; its target is the key) or 'peers' (BitTorrent peers announced for an info hash). \
            With KEY: each value under it, with its size and age; 'own' marks this node's values \
            and items, which it republishes while it runs; an item's value is shown as 'get' shows \
            it, and peers as HOST:PORT. Values expire 3 hours after their last refresh, items 2 \
            hours, peers 45 minutes. Only this node is asked: 'get' and 'swarm' ask the network. \
            Text is shown with control characters escaped; other values as 0x hex.

            Examples:
              values
              values greeting
            """)
    static let group = VerbGroup.values
    static let argumentCompletion = CompletionSource.keys

    @Argument(help: "A name, or a 160-bit key as 40 hex digits.")
    var key: String?

    struct Output: VerbOutput {
        struct Key: Encodable, Sendable {
            var keyId: String
            var values: Int
            var bytes: Int
            /// Seconds since the newest value under the key was stored or refreshed.
            var ageSeconds: Int
            /// "values" (store_value), "item" (BEP 44) or "peers" (announce_peer).
            var kind: String
            /// How many of them are this node's own, which it republishes while it runs.
            var own: Int
            /// The name the key was typed as in this session; absent when none was.
            var name: String?
        }

        struct Value: Encodable, Sendable {
            var bytes: Int
            /// The value when it is UTF-8 text; `hex` otherwise.
            var text: String?
            var hex: String?
            var ageSeconds: Int
            /// This node's own value, republished while it runs.
            var own: Bool
        }

        /// Set when a KEY was given.
        var keyId: String?
        var keys: [Key]
        var values: [Value]

        /// On a terminal, tables with sizes and ages for people; in pipes, one record a line
        /// with plain numbers (bytes, seconds), the name or value last:
        /// `KEY VALUES OWN BYTES AGE KIND NAME` (`-` for a key not named in this session), or
        /// `BYTES AGE OWN VALUE` for one key.
        func lines(for console: Console) -> [String] {
            if keyId != nil {
                guard !values.isEmpty else { return console.decorated ? ["this node holds no value under that key"] : [] }
                let shown = values.map { $0.text.map(\.printable) ?? "0x" + ($0.hex ?? "") }
                guard console.decorated else {
                    return zip(values, shown).map { "\($0.bytes) \($0.ageSeconds) \($0.own ? "own" : "-") \($1)" }
                }
                let rows = zip(values, shown).map { value, text in
                    [Formatting.bytes(value.bytes), Formatting.duration(Double(value.ageSeconds)), value.own ? "own" : "-", text]
                }
                return Formatting.table(rows, header: ["SIZE", "AGE", "OWN", "VALUE"], console: console)
            }
            guard !keys.isEmpty else { return console.decorated ? ["this node holds no values: store KEY VALUE"] : [] }
            guard console.decorated else {
                return keys.map {
                    "\($0.keyId) \($0.values) \($0.own) \($0.bytes) \($0.ageSeconds) \($0.kind) \($0.name?.printable ?? "-")"
                }
            }
            let rows = keys.map {
                [$0.keyId, "\($0.values)", "\($0.own)", Formatting.bytes($0.bytes), Formatting.duration(Double($0.ageSeconds)),
                 $0.kind, $0.name.map { DHTKey($0).shown } ?? ""]
            }
            return Formatting.table(rows, header: ["KEY", "VALUES", "OWN", "SIZE", "AGE", "KIND", "NAME"], console: console)
                + [Formatting.count(keys.reduce(0) { $0 + $1.values }, "value") + " under " + Formatting.count(keys.count, "key")]
        }
    }

    /// Everything this node holds, as (key, bytes shown, when, own, kind) rows.
    private typealias Held = (key: NodeID, bytes: [UInt8], refreshedAt: Date, own: Bool, kind: String)

    func execute(in session: ShellSession) async throws -> any VerbOutput {
        let now = Date()
        let node = session.node
        let held: [Held] = await node.heldValues().map { ($0.key, $0.value, $0.refreshedAt, $0.published, "values") }
            + node.heldItems().map { ($0.item.target, Get.content(of: $0.item.value), $0.refreshedAt, $0.published, "item") }
            + node.heldSwarms().flatMap { swarm in
                swarm.peers.map { (swarm.infoHash, Array("\($0)".utf8), swarm.refreshedAt, false, "peers") }
            }
        func age(_ date: Date) -> Int { max(0, Int(now.timeIntervalSince(date))) }
        if let key {
            let id = DHTKey(key).id
            return Output(keyId: id.hex, keys: [], values: held.filter { $0.key == id }.map { held in
                let text = Formatting.text(held.bytes)
                return .init(bytes: held.bytes.count, text: text, hex: text == nil ? held.bytes.hexString : nil,
                             ageSeconds: age(held.refreshedAt), own: held.own)
            })
        }
        let names = Dictionary(session.completer.typedKeys.map { (DHTKey($0).id, $0) }, uniquingKeysWith: { first, _ in first })
        var byKey: [String: Output.Key] = [:]
        for value in held {
            let slot = value.key.hex + " " + value.kind
            var entry = byKey[slot] ?? .init(keyId: value.key.hex, values: 0, bytes: 0, ageSeconds: age(value.refreshedAt),
                                             kind: value.kind, own: 0, name: names[value.key].flatMap { DHTKey($0).isHashed ? $0 : nil })
            entry.values += 1
            if value.own { entry.own += 1 }
            entry.bytes += value.kind == "peers" ? 6 : value.bytes.count
            entry.ageSeconds = min(entry.ageSeconds, age(value.refreshedAt))
            byKey[slot] = entry
        }
        return Output(keyId: nil, keys: byKey.values.sorted { ($0.keyId, $0.kind) < ($1.keyId, $1.kind) }, values: [])
    }
}
