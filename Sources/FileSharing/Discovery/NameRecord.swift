import PeerKit
/// What the DHT's multi-valued store holds under a file's name: the content it names.
///
/// Stored under ``key(for:)`` as the bencoded dictionary `{sha256: 32 bytes, size: int}`.
/// A name may have several records (different files shared under one name); each is a
/// separate value, and the fetcher tries them in turn.
public struct NameRecord: Sendable, Hashable {
    var sha256: [UInt8]
    var size: Int64

    init(sha256: [UInt8], size: Int64) {
        self.sha256 = sha256
        self.size = size
    }

    /// The DHT key of a name: SHA-1 of "name:" and the name's UTF-8 bytes. The prefix keeps
    /// file names apart from keys that `store` hashes from the same text.
    public static func key(for name: String) -> NodeID {
        NodeID.sha1(of: Array("name:\(name)".utf8))
    }

    /// The info hash under which providers of a content announce themselves: the first 20
    /// bytes of its SHA-256, as BEP 52 puts v2 info hashes in the DHT.
    static func infoHash(sha256: [UInt8]) -> InfoHash {
        NodeID(bytes: Array(sha256.prefix(NodeID.byteCount)))!
    }

    var encoded: [UInt8] {
        let dictionary: BencodeDictionary = ["sha256": .bytes(sha256), "size": .integer(size)]
        return Bencode.dictionary(dictionary).encoded()
    }

    /// Decodes a stored value, or nil when it is not a well-formed record.
    init?(decoding value: [UInt8]) {
        guard case .dictionary(let dictionary)? = try? BencodeDecoder().decode(value),
              let sha256 = dictionary["sha256"]?.bytesValue, sha256.count == 32,
              let size = dictionary["size"]?.integerValue, size >= 0
        else { return nil }
        self.init(sha256: sha256, size: size)
    }
}
