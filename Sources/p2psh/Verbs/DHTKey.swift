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
    var usingLine: String { isHashed ? "Using h(\(text)) = \(id.hex)" : "Using \(id.hex)" }
}
