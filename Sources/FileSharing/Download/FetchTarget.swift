import PeerKit
/// What `fetch` was asked for: a file name, or a content hash when it is 64 hex digits.
struct FetchTarget: Sendable, Hashable {
    /// The text as given.
    let text: String
    /// The content hash, when the text is one.
    let sha256: [UInt8]?

    var isHash: Bool { sha256 != nil }

    init(_ text: String) throws(SharingError) {
        guard !text.isEmpty, !text.utf8.contains(0), text.utf8.count <= ShareRoot.maxPathBytes else {
            throw .fileNotFound("\(ShareRoot.display(text)) (not a usable file name)")
        }
        self.text = text
        sha256 = text.utf8.count == 64 ? [UInt8](hex: text) : nil
    }
}
