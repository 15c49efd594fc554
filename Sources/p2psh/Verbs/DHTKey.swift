import ArgumentParser
import PeerKit

/// A key as typed in the shell: 40 hex digits are the key itself; anything else is SHA-1 hashed.
struct DHTKey: Sendable {
    let text: String
    let id: NodeID

    init(_ text: String) {
        self.text = text
        self.id = NodeID(hex: text) ?? NodeID.sha1(of: Array(text.utf8))
    }

    var isHashed: Bool { NodeID(hex: text) == nil }

    /// What dhtnode prints, so the user knows which key was used.
    var usingLine: String { isHashed ? "Using h(\(shown)) = \(id.hex)" : "Using \(id.hex)" }

    /// The key as messages show it: escaped, and cut to its first 40 characters when longer
    /// (a 5,000-character key is not echoed whole).
    var shown: String {
        let printable = text.printable
        return printable.count <= 48 ? printable : String(printable.prefix(40)) + "… (\(text.count) characters)"
    }

    /// Refuses an empty key: it would be the SHA-1 of nothing, which no one means.
    static func validate(_ text: String) throws {
        if text.isEmpty { throw ValidationError("the key is empty: give a name, or 40 hex digits") }
    }

    /// Also refuses a salt without a public key (64 hex digits): only a mutable item has one.
    static func validate(_ text: String, salt: String?) throws {
        try validate(text)
        if salt != nil, [UInt8](hex: text)?.count != 32 {
            throw ValidationError("--salt goes with a public key of 64 hex digits (what 'stats' shows as item key)")
        }
    }
}
